using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Search;

/// <summary>
/// Message search over exactly what the caller may read: one conversation it addresses, or all its direct
/// conversations and the groups it is a member of now (a member who left finds nothing of the group).
/// </summary>
public sealed class SearchService(MessageService messages, IMessageSearchStore search)
{
    public const int MaxQueryLength = 200;
    public const int MaxTerms = 16;

    public async Task<SearchPageDto> SearchAsync(string callerId, string? q, string? with, string? groupId, string? before, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        if (q is null || q.Trim().Length == 0 || q.Length > MaxQueryLength)
        {
            rules.Add("q", $"Use 1 to {MaxQueryLength} characters.");
        }

        if (with is not null && groupId is not null)
        {
            rules.Add("groupId", "Give with or groupId, not both.");
        }

        var peerId = rules.Id("with", with, required: false);
        var group = rules.Id("groupId", groupId, required: false);
        var beforeId = rules.Id("before", before, required: false);
        var limit = rules.Limit("limit", limitText, 20, 50);
        rules.ThrowIfAny();

        var terms = SearchText.Words(q!).Select(w => w.Normalized).Distinct(StringComparer.Ordinal).Take(MaxTerms).ToList();
        if (terms.Count == 0)
        {
            // Only punctuation or symbols: no word can match.
            return new SearchPageDto([], null, true);
        }

        // Unscoped: the store joins the search with the caller's conversations itself, however many there are.
        var result = peerId is not null || group is not null
            ? await search.SearchAsync([(await messages.ResolveConversationAsync(callerId, peerId, group, ct)).Id], terms, beforeId, limit + 1, ct)
            : await search.SearchAllAsync(callerId, terms, beforeId, limit + 1, ct);
        var page = result.Messages.Take(limit).ToList();
        var highlights = page.Select(m => Highlights(m.Content, terms)).ToList();
        var dtos = await messages.ToDtosAsync(page, _ => false, ct);
        var items = dtos.Select((dto, i) => new SearchHitDto(dto, highlights[i])).ToList();
        return new SearchPageDto(items, result.Messages.Count > limit ? page[^1].Id : null, result.Complete);
    }

    /// <summary>[start, end) of every word of the content that starts with a query term, in UTF-16 units.</summary>
    public static IReadOnlyList<int[]> Highlights(string content, IReadOnlyList<string> terms) =>
        SearchText.Words(content)
            .Where(w => terms.Any(t => w.Normalized.StartsWith(t, StringComparison.Ordinal)))
            .Select(w => new[] { w.Start, w.End })
            .ToList();
}
