using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Threads;

/// <summary>
/// Threads: replies sent with <c>threadId</c> (see <see cref="ThreadRoots"/>), read here a page at a time, oldest
/// first. The root carries the summary (<c>thread</c>), which each reply's own write keeps.
/// </summary>
public sealed class ThreadService(MessageService messages, IMessageStore store, IConversationStore conversations, ConversationAccess access)
{
    /// <summary>A page of the thread of <paramref name="rootId"/>; 404 unless the caller can see it and it is a top-level message.</summary>
    public async Task<ThreadPageDto> GetPageAsync(string callerId, string rootId, string? after, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        var afterId = rules.Id("after", after, required: false);
        var limit = rules.Limit("limit", limitText, 50, 100);
        rules.ThrowIfAny();

        var root = await messages.FindVisibleAsync(callerId, rootId, ct);
        if (root.ThreadId is not null)
        {
            throw ProblemException.NotFound("No such thread: the message is a reply in another thread.");
        }

        var participants = await access.VisibleParticipantsAsync(callerId, root.ConversationId, ct) ?? throw ProblemException.NotFound("No such message.");
        var page = await store.GetThreadPageAsync(root.ConversationId, root.Id, afterId, limit + 1, ct);
        var markers = await conversations.GetReadMarkersAsync(root.ConversationId, ct);
        var items = await messages.BuildDtosAsync(page.Take(limit).ToList(), _ => (markers, participants), ct);
        return new ThreadPageDto(items, page.Count > limit ? items[^1].Id : null);
    }
}
