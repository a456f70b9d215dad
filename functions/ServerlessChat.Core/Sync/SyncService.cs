using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sync;

/// <summary>
/// GET /api/sync: every change in the caller's current conversations after a cursor. Each conversation is one
/// index range of its own change-log partition; the answers are merged by time and paged.
/// </summary>
public sealed class SyncService(
    IChangeLog changes,
    IConversationStore conversations,
    IGroupStore groups,
    IMessageStore messages,
    MessageService messageService,
    IEnumerable<ISyncChangeResolver> resolvers,
    IOptions<SyncOptions> options,
    TimeProvider time)
{
    /// <summary>Direct conversations read per sync; a user with more loses sync of the least recent ones.</summary>
    public const int MaxDirectConversations = 2000;

    private const int ReadParallelism = 8;

    private readonly Dictionary<string, ISyncChangeResolver> _resolvers = resolvers.ToDictionary(r => r.Type, StringComparer.Ordinal);

    /// <summary>Where a client without a cursor starts: what is settled now is in the state it loads next.</summary>
    public string CurrentCursor() =>
        new SyncCursor(time.GetUtcNow().AddSeconds(-options.Value.SettleSeconds).ToUnixTimeMilliseconds(), new Dictionary<ulong, long>()).Encode();

    public async Task<SyncAnswerDto> SyncAsync(string callerId, string? since, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        var limit = rules.Limit("limit", limitText, 200, 500);
        SyncCursor? cursor = null;
        if (since is not null && (cursor = SyncCursor.TryDecode(since)) is null)
        {
            rules.Add("since", "Not a cursor of this server.");
        }
        rules.ThrowIfAny();

        if (cursor is null)
        {
            return new([], CurrentCursor(), false);
        }

        var now = time.GetUtcNow();
        var settled = now.AddSeconds(-options.Value.SettleSeconds).ToUnixTimeMilliseconds();

        if (cursor.Watermark < now.AddDays(-options.Value.RetentionDays).ToUnixTimeMilliseconds())
        {
            throw new ProblemException(StatusCodes.Status410Gone, "Cursor expired", "The cursor is older than the kept history; reload the conversations.");
        }

        var current = await CurrentConversationsAsync(callerId, ct);
        var read = new ConcurrentBag<ChangeRecord>();
        await Parallel.ForEachAsync(current.Values, new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct }, async (conversation, token) =>
        {
            foreach (var change in await SettledChanges.ReadAsync(changes, conversation.Id, cursor.PositionOf(conversation.Id), settled, limit + 1, token))
            {
                read.Add(change);
            }
        });

        var merged = read.OrderBy(c => c.At).ThenBy(c => c.ConversationId, StringComparer.Ordinal).ThenBy(c => c.Seq).ToList();
        var hasMore = merged.Count > limit;
        var page = hasMore ? merged.GetRange(0, limit) : merged;

        // Every change stamped at or before the new watermark is delivered: the page is a prefix in time order,
        // and everything up to "settled" is committed.
        var watermark = hasMore ? Math.Max(cursor.Watermark, Math.Min(page[^1].At - 1, settled)) : Math.Max(cursor.Watermark, settled);
        var delivered = page.GroupBy(c => c.ConversationId).ToDictionary(g => g.Key, g => g.Max(c => c.At), StringComparer.Ordinal);
        var positions = new Dictionary<ulong, long>();
        foreach (var id in current.Keys)
        {
            var position = delivered.TryGetValue(id, out var at) ? at : cursor.PositionOf(id);
            if (position > watermark)
            {
                positions[SyncCursor.Key(id)] = position;
            }
        }

        var items = await ResolveAsync(callerId, page, current, ct);
        return new(items, new SyncCursor(watermark, positions).Encode(), hasMore);
    }

    private sealed record Conversation(string Id, IReadOnlyList<string> Participants, GroupRecord? Group);

    private async Task<Dictionary<string, Conversation>> CurrentConversationsAsync(string callerId, CancellationToken ct)
    {
        var memberOf = await groups.ListForMemberAsync(callerId, ct);
        var direct = await conversations.ListAsync(callerId, [], MaxDirectConversations, ct);
        var current = new Dictionary<string, Conversation>(StringComparer.Ordinal);
        foreach (var group in memberOf)
        {
            var id = ConversationIds.Group(group.Id);
            current[id] = new Conversation(id, group.Members, group);
        }
        foreach (var record in direct.Where(r => r.GroupId is null))
        {
            current[record.ConversationId] = new Conversation(record.ConversationId, record.Participants, null);
        }
        return current;
    }

    private async Task<List<SyncChangeDto>> ResolveAsync(
        string callerId, List<ChangeRecord> page, Dictionary<string, Conversation> current, CancellationToken ct)
    {
        var data = new Dictionary<ChangeRecord, object?>();
        foreach (var group in page.GroupBy(c => c.ConversationId))
        {
            var conversation = current[group.Key];
            var markers = await conversations.GetReadMarkersAsync(conversation.Id, ct);
            var messageIds = group.Where(c => c.Type is ChatHub.NewMessage or ChatHub.MessageUpdated).Select(c => c.EntityId).Distinct().ToList();
            var dtos = new Dictionary<string, MessageDto>(StringComparer.Ordinal);
            if (messageIds.Count > 0)
            {
                var records = await messages.FindByIdsAsync(conversation.Id, messageIds, ct);
                foreach (var dto in await messageService.BuildDtosAsync(records, markers, conversation.Participants, ct))
                {
                    dtos[dto.Id] = dto;
                }
            }

            foreach (var change in group)
            {
                var cursor = SyncCursor.ForChange(change);
                data[change] = change.Type switch
                {
                    ChatHub.NewMessage or ChatHub.MessageUpdated => dtos.TryGetValue(change.EntityId, out var dto) ? dto with { Cursor = cursor } : null,
                    ChatHub.MessageDeleted => new MessageDeletedDto(change.EntityId, change.ConversationId, cursor),
                    ChatHub.MessagesRead => markers.TryGetValue(change.EntityId, out var upTo) ? new MessagesReadDto(change.ConversationId, change.EntityId, upTo, cursor) : null,
                    ChatHub.GroupUpdated => conversation.Group is { } g ? GroupDto.From(g) with { Cursor = cursor } : null,
                    _ => _resolvers.TryGetValue(change.Type, out var resolver) ? await resolver.ResolveAsync(callerId, change, cursor, ct) : null,
                };
            }
        }

        return page.Where(c => data[c] is not null).Select(c => new SyncChangeDto(c.Type, data[c]!, SyncCursor.ForChange(c))).ToList();
    }
}
