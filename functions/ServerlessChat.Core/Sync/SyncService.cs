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
/// GET /api/sync: every change in the caller's current conversations after a cursor. A page is one merged read
/// of the change log over the caller's conversations (an index range each) and one lookup per store to resolve
/// it, however many conversations the caller has.
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

    private const long SettleMarginMs = 250;

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
        var (page, hasMore, heldAt) = await SettledChanges.ReadAsync(
            changes, current.Keys.ToDictionary(id => id, cursor.PositionOf, StringComparer.Ordinal), settled, limit, ct);

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
        // A held entry is passed once "settled" reaches its stamp; a little later, so that one more sync does it.
        long? settlesIn = heldAt is { } held ? held - settled + SettleMarginMs : null;
        return new(items, new SyncCursor(watermark, positions).Encode(), hasMore, settlesIn);
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

    /// <summary>
    /// Changes of any conversations resolved as sync resolves them for a member (events out: a consumer that
    /// sees every conversation), keyed by their cursor; a change whose entity is gone is left out.
    /// </summary>
    internal async Task<List<SyncChangeDto>> ResolveForEventsAsync(IReadOnlyList<ChangeRecord> page, CancellationToken ct)
    {
        var current = new Dictionary<string, Conversation>(StringComparer.Ordinal);
        foreach (var id in page.Select(c => c.ConversationId).Distinct(StringComparer.Ordinal))
        {
            if (ConversationIds.IsGroup(id))
            {
                if (await groups.FindByIdAsync(id["g:".Length..], ct) is { } group)
                {
                    current[id] = new Conversation(id, group.Members, group);
                }
            }
            else if (id.Split(':') is ["d", var a, var b])
            {
                current[id] = new Conversation(id, [a, b], null);
            }
        }
        return await ResolveAsync("", page.Where(c => current.ContainsKey(c.ConversationId)).ToList(), current, ct);
    }

    /// <summary>The page's changes as they stand now: one lookup per store for the whole page, whatever its conversations.</summary>
    private async Task<List<SyncChangeDto>> ResolveAsync(
        string callerId, List<ChangeRecord> page, Dictionary<string, Conversation> current, CancellationToken ct)
    {
        var ofMessages = page.Where(c => c.Type is ChatHub.NewMessage or ChatHub.MessageUpdated).ToList();
        var markerConversations = page.Where(c => c.Type is ChatHub.NewMessage or ChatHub.MessageUpdated or ChatHub.MessagesRead)
            .Select(c => c.ConversationId).Distinct(StringComparer.Ordinal).ToList();
        var markersTask = markerConversations.Count == 0
            ? Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(new Dictionary<string, IReadOnlyDictionary<string, string>>())
            : conversations.GetReadMarkersAsync(markerConversations, ct);
        var recordsTask = ofMessages.Count == 0
            ? Task.FromResult<IReadOnlyList<MessageRecord>>([])
            : messages.FindByIdsAsync(ofMessages.Select(c => c.EntityId).Distinct(StringComparer.Ordinal).ToList(), ct);
        var resolvedTasks = page.Where(c => _resolvers.ContainsKey(c.Type)).GroupBy(c => c.Type)
            .Select(g => _resolvers[g.Key].ResolveAsync(callerId, g.ToList(), ct)).ToList();
        await Task.WhenAll(markersTask, recordsTask, Task.WhenAll(resolvedTasks));

        var markers = await markersTask;
        var noMarkers = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string> MarkersOf(string conversationId) => markers.GetValueOrDefault(conversationId) ?? noMarkers;
        // A message is resolved only in the conversation its change belongs to.
        var records = (await recordsTask).Where(r => current.ContainsKey(r.ConversationId)).ToList();
        var dtos = (await messageService.BuildDtosAsync(records, id => (MarkersOf(id), current[id].Participants), ct))
            .ToDictionary(d => d.Id, StringComparer.Ordinal);
        var resolved = new Dictionary<ChangeRecord, object>();
        foreach (var answer in resolvedTasks)
        {
            foreach (var (change, data) in await answer)
            {
                resolved[change] = data;
            }
        }

        var items = new List<SyncChangeDto>(page.Count);
        foreach (var change in page)
        {
            var cursor = SyncCursor.ForChange(change);
            object? data = change.Type switch
            {
                ChatHub.NewMessage or ChatHub.MessageUpdated =>
                    dtos.TryGetValue(change.EntityId, out var dto) && dto.ConversationId == change.ConversationId ? dto with { Cursor = cursor } : null,
                ChatHub.MessageDeleted => new MessageDeletedDto(change.EntityId, change.ConversationId, cursor),
                ChatHub.MessagesRead => MarkersOf(change.ConversationId).TryGetValue(change.EntityId, out var upTo) ? new MessagesReadDto(change.ConversationId, change.EntityId, upTo, cursor) : null,
                ChatHub.GroupUpdated => current[change.ConversationId].Group is { } g ? GroupDto.From(g) with { Cursor = cursor } : null,
                _ => resolved.GetValueOrDefault(change),
            };
            if (data is not null)
            {
                items.Add(new SyncChangeDto(change.Type, data, cursor));
            }
        }
        return items;
    }
}
