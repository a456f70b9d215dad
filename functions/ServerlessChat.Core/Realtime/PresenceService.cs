using Microsoft.Extensions.Options;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Access;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Realtime;

/// <summary>
/// Presence across every instance and both hosts: the store counts each user's open connections and keeps
/// lastSeenAt. A user is online while it has connections and was seen within <see cref="PresenceOptions.Timeout"/>;
/// each change between online and offline is pushed as <c>presence</c> to the user's contacts. The methods return
/// the realtime actions for the caller to publish, like every other Core service.
/// </summary>
public sealed class PresenceService(
    IPresenceStore store, ConversationAccess access, HubConnectionCap connectionCap, IOptions<PresenceOptions> options, TimeProvider time)
{
    public const int MaxQueryUsers = 100;

    /// <summary>A connection opened (hub OnConnected, or the SignalR Service's connected event).</summary>
    public async Task<IReadOnlyList<RealtimeAction>> ConnectedAsync(string userId, CancellationToken ct)
    {
        var actions = await ChangeAsync(userId, now => store.ConnectedAsync(userId, now, ct), ct);
        // Counted as open now, so no longer as negotiated.
        await connectionCap.ConnectedAsync(userId, ct);
        return actions;
    }

    /// <summary>A connection closed.</summary>
    public Task<IReadOnlyList<RealtimeAction>> DisconnectedAsync(string userId, CancellationToken ct) =>
        ChangeAsync(userId, now => store.DisconnectedAsync(userId, now, ct), ct);

    /// <summary>
    /// The clients of these users are still there: one read and one write for all of them, so a host can vouch for
    /// its thousands of connected users at once. A user whose count was reset by <see cref="ExpireStaleAsync"/> (its
    /// heartbeats were late) counts one connection again: a heartbeat comes from a live client, and with a lost
    /// count it would stay offline until it reconnected.
    /// </summary>
    public async Task<IReadOnlyList<RealtimeAction>> HeartbeatAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var now = time.GetStoredNow();
        var wasOnline = (await store.GetAsync(userIds, ct)).Where(r => IsOnline(r, now)).Select(r => r.UserId).ToHashSet(StringComparer.Ordinal);
        var refreshed = await store.HeartbeatAsync(userIds, now, ct);
        var actions = new List<RealtimeAction>();
        foreach (var record in refreshed.Where(r => !wasOnline.Contains(r.UserId)))
        {
            actions.AddRange(await AnnounceAsync(ToDto(record, now), ct));
        }

        var counted = refreshed.Select(r => r.UserId).ToHashSet(StringComparer.Ordinal);
        foreach (var userId in userIds.Distinct(StringComparer.Ordinal).Where(id => !counted.Contains(id)))
        {
            actions.AddRange(await ConnectedAsync(userId, ct));
        }

        return actions;
    }

    /// <summary>
    /// Turns offline the users whose heartbeats stopped without a disconnect event (a crashed instance, a lost
    /// serverless event). Run periodically by each host: a hosted service in the standalone host, a timer
    /// trigger in the Functions app.
    /// </summary>
    public async Task<IReadOnlyList<RealtimeAction>> ExpireStaleAsync(CancellationToken ct)
    {
        var expired = await store.ExpireAsync(time.GetUtcNow() - options.Value.Timeout, ct);
        var actions = new List<RealtimeAction>();
        foreach (var record in expired)
        {
            actions.AddRange(await AnnounceAsync(ToDto(record, time.GetUtcNow()), ct));
        }

        return actions;
    }

    /// <summary>
    /// The presence of the requested users that the caller may see (itself, and those it can reach: see
    /// <see cref="ConversationAccess"/>), in the order asked. Ids the caller may not see are left out rather than
    /// answered as offline, so the answer reveals nothing about strangers; a user who blocked the caller is left
    /// out the same way.
    /// </summary>
    public async Task<ItemsDto<PresenceDto>> GetAsync(string callerId, string? userIds, CancellationToken ct)
    {
        var requested = ParseUserIds(userIds);
        var reachable = await access.FilterReachableAsync(callerId, requested, ct);
        var ids = requested.Where(id => id == callerId || reachable.Contains(id)).ToList();

        var records = ids.Count == 0
            ? []
            : (await store.GetAsync(ids, ct)).ToDictionary(r => r.UserId, StringComparer.Ordinal);
        var now = time.GetStoredNow();
        return new ItemsDto<PresenceDto>(ids
            .Select(id => records.TryGetValue(id, out var record) ? ToDto(record, now) : new PresenceDto(id, false, null))
            .ToList());
    }

    private async Task<IReadOnlyList<RealtimeAction>> ChangeAsync(string userId, Func<DateTimeOffset, Task<PresenceRecord>> change, CancellationToken ct)
    {
        // Read first so that only a real change is announced: a second device, or a heartbeat of an online user,
        // tells the contacts nothing new.
        var before = (await store.GetAsync([userId], ct)).FirstOrDefault();
        var now = time.GetStoredNow();
        var after = await change(now);
        var wasOnline = before is not null && IsOnline(before, now);
        var isOnline = IsOnline(after, now);
        return wasOnline == isOnline ? [] : await AnnounceAsync(ToDto(after, now), ct);
    }

    private async Task<IReadOnlyList<RealtimeAction>> AnnounceAsync(PresenceDto presence, CancellationToken ct)
    {
        var audience = await access.ListReachersAsync(presence.UserId, ct);
        // One payload instance for all: a host may batch consecutive sends of the same payload.
        return audience.Select(RealtimeAction (contact) => new SendToUser(contact, ChatHub.Presence, presence)).ToList();
    }

    private bool IsOnline(PresenceRecord record, DateTimeOffset now) =>
        record.Connections > 0 && record.LastSeenAt > now - options.Value.Timeout;

    private PresenceDto ToDto(PresenceRecord record, DateTimeOffset now) => new(record.UserId, IsOnline(record, now), record.LastSeenAt);

    private static List<string> ParseUserIds(string? userIds)
    {
        var rules = new InputRules();
        var ids = (userIds ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (ids.Count == 0)
        {
            rules.Add("userIds", "Give one or more comma-separated user ids.");
        }
        else if (ids.Count > MaxQueryUsers)
        {
            rules.Add("userIds", $"Give at most {MaxQueryUsers} user ids.");
        }
        else if (ids.Any(id => !InputRules.IsId(id)))
        {
            rules.Add("userIds", "Not a valid id.");
        }

        rules.ThrowIfAny();
        return ids;
    }
}
