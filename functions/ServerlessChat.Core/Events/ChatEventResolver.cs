using Microsoft.Extensions.Options;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Events;

/// <summary>
/// Turns change-log entries into CloudEvents, their data as they stand now (as sync does: applying them in
/// order still ends in the current state). Conversation changes resolve through <see cref="SyncService"/>, the
/// one place that knows each realtime event's object; a user's log through the user and moderation stores.
/// </summary>
internal sealed class ChatEventResolver(SyncService sync, IUserStore users, IModerationStore moderation, IOptions<EventsOptions> options)
{
    public async Task<Dictionary<ChangeRecord, ChatCloudEvent>> ResolveAsync(IReadOnlyList<ChangeRecord> page, CancellationToken ct)
    {
        var events = new Dictionary<ChangeRecord, ChatCloudEvent>();
        var wanted = page.Where(c => ChatEventTypes.Of(c) is not null).ToList();
        if (wanted.Count == 0)
        {
            return events;
        }

        var ofConversations = wanted.Where(c => !UserLog.IsUserLog(c.ConversationId)).ToList();
        var ofUsers = wanted.Where(c => UserLog.IsUserLog(c.ConversationId)).ToList();
        var data = new Dictionary<ChangeRecord, object>();
        if (ofConversations.Count > 0)
        {
            var byCursor = ofConversations.ToDictionary(SyncCursor.ForChange, StringComparer.Ordinal);
            foreach (var resolved in await sync.ResolveForEventsAsync(ofConversations, ct))
            {
                data[byCursor[resolved.Cursor]] = resolved.Data;
            }
        }
        if (ofUsers.Count > 0)
        {
            var userIds = ofUsers.Where(c => c.Type != UserLog.ReportCreated).Select(c => UserLog.Subject(c.ConversationId)).Distinct(StringComparer.Ordinal).ToList();
            var found = userIds.Count == 0 ? [] : await users.FindByIdsAsync(userIds, ct);
            var byId = found.ToDictionary(u => u.Id, StringComparer.Ordinal);
            foreach (var change in ofUsers)
            {
                if (change.Type == UserLog.ReportCreated)
                {
                    if (await moderation.FindReportAsync(change.EntityId, ct) is { } report)
                    {
                        data[change] = ModerationService.ToDto(report);
                    }
                }
                else if (byId.TryGetValue(UserLog.Subject(change.ConversationId), out var user))
                {
                    data[change] = UserDto.From(user);
                }
                else if (change.Type == UserLog.Deleted)
                {
                    // Erased without a trace: the id is all there is to say.
                    data[change] = new DeletedUserData(UserLog.Subject(change.ConversationId), true);
                }
            }
        }

        var source = options.Value.Source;
        foreach (var change in wanted)
        {
            if (data.TryGetValue(change, out var value))
            {
                events[change] = new ChatCloudEvent(
                    SyncCursor.ForChange(change), source, ChatEventTypes.Of(change)!, UserLog.Subject(change.ConversationId),
                    DateTimeOffset.FromUnixTimeMilliseconds(change.At), value);
            }
        }
        return events;
    }
}

internal sealed record DeletedUserData(string Id, bool Deleted);
