using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.SystemMessages;

/// <summary>
/// Writes the system messages that group changes and calls leave in their conversation, through the normal
/// message insert (change log, <c>newMessage</c>, sync, the conversation's latest). Each is keyed by what it
/// records (the group version a change made, the call's id) as its clientMessageId, in a form no user may send
/// (<c>/</c> is outside the clientMessageId alphabet), so a repeat, or both sides of a call hanging up at once,
/// stores it once.
/// </summary>
/// <remarks>
/// The notice is written right after the change it records, not in the same store operation (the MongoDB adapter
/// has no multi-document transactions): a process that stops between the two keeps the change without its notice.
/// A notice that cannot be stored is logged and the change still answers as made, since it is.
/// System messages are not pushed, never count as unread, mention nobody, are left out of search, cannot be
/// edited, and only a group's admins may delete one; they do become the conversation's latest message.
/// </remarks>
public sealed class SystemNotices(IMessageStore messages, MessageService projection, TimeProvider time, ILogger<SystemNotices> logger)
{
    /// <summary>
    /// The notices of a group change from <paramref name="before"/> (null: the group was just created) to
    /// <paramref name="after"/>, made by <paramref name="actorId"/> (null: the server API): created, renamed,
    /// frozen or unfrozen, members added, removed or one that left. Settings without a notice (description,
    /// admins, mutes) store nothing.
    /// </summary>
    public async Task<IReadOnlyList<RealtimeAction>> GroupChangedAsync(GroupRecord? before, GroupRecord after, string? actorId, CancellationToken ct)
    {
        var actions = new List<RealtimeAction>();
        foreach (var notice in Describe(before, after, actorId))
        {
            var key = $"sys/group/{after.Version}/{notice.Type}";
            var record = new MessageRecord(
                ObjectId.GenerateNewId().ToString(), ConversationIds.Group(after.Id), actorId ?? SystemNotice.SystemSenderId, null, after.Id,
                FallbackText(notice), time.GetStoredNow(), null, false, key) { System = notice };
            actions.AddRange(await StoreAsync(record, ct));
        }

        return actions;
    }

    /// <summary>The record of a call between two users, in their direct conversation, under the caller's name; once per call id.</summary>
    public Task<IReadOnlyList<RealtimeAction>> CallEndedAsync(string callerId, string calleeId, string callId, string outcome, int durationSeconds, CancellationToken ct)
    {
        var notice = new SystemNotice(SystemNotice.Call, callerId, CallId: callId, Outcome: outcome, DurationSeconds: durationSeconds);
        var record = new MessageRecord(
            ObjectId.GenerateNewId().ToString(), ConversationIds.Direct(callerId, calleeId), callerId, calleeId, null,
            FallbackText(notice), time.GetStoredNow(), null, false, $"sys/call/{callId}") { System = notice };
        return StoreAsync(record, ct);
    }

    /// <summary>A text the server API sends as <c>system</c> into a group; null sender, no actor.</summary>
    public async Task<(MessageDto Message, bool Created, IReadOnlyList<RealtimeAction> Actions)> SendNoticeAsync(
        string groupId, string content, string? clientMessageId, CancellationToken ct)
    {
        var record = new MessageRecord(
            ObjectId.GenerateNewId().ToString(), ConversationIds.Group(groupId), SystemNotice.SystemSenderId, null, groupId,
            content, time.GetStoredNow(), null, false, clientMessageId) { System = new SystemNotice(SystemNotice.Notice, null) };
        var (stored, created, change) = await messages.InsertAsync(record, ct);
        var dto = await ToDtoAsync(stored, change, ct);
        return (dto, created, change is null ? [] : MessageService.ToAudience(stored, ChatHub.NewMessage, dto));
    }

    private async Task<IReadOnlyList<RealtimeAction>> StoreAsync(MessageRecord record, CancellationToken ct)
    {
        try
        {
            var (stored, _, change) = await messages.InsertAsync(record, ct);
            if (change is null)
            {
                return [];
            }

            var dto = await ToDtoAsync(stored, change, ct);
            return MessageService.ToAudience(stored, ChatHub.NewMessage, dto);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The {Type} notice {Key} of conversation {ConversationId} could not be stored", record.System!.Type, record.ClientMessageId, record.ConversationId);
            return [];
        }
    }

    private async Task<MessageDto> ToDtoAsync(MessageRecord stored, ChangeRecord? change, CancellationToken ct) =>
        (await projection.ToDtosAsync([stored], _ => false, ct, mayHaveAttachments: false, mayHaveReactions: false))[0] with { Cursor = SyncCursor.ForChangeOrNull(change) };

    /// <summary>What changed, as notices, in a fixed order.</summary>
    public static IEnumerable<SystemNotice> Describe(GroupRecord? before, GroupRecord after, string? actorId)
    {
        if (before is null)
        {
            var invited = after.Members.Where(m => m != actorId).ToList();
            yield return new SystemNotice(SystemNotice.Created, actorId, invited, after.Name);
            yield break;
        }

        if (before.Name != after.Name)
        {
            yield return new SystemNotice(SystemNotice.Renamed, actorId, Name: after.Name);
        }

        if (before.Frozen != after.Frozen)
        {
            yield return new SystemNotice(after.Frozen ? SystemNotice.Frozen : SystemNotice.Unfrozen, actorId);
        }

        var added = after.Members.Except(before.Members).ToList();
        if (added.Count > 0)
        {
            yield return new SystemNotice(SystemNotice.MembersAdded, actorId, added);
        }

        var removed = before.Members.Except(after.Members).ToList();
        if (removed.Count > 0)
        {
            yield return removed is [var only] && only == actorId
                ? new SystemNotice(SystemNotice.Left, actorId, removed)
                : new SystemNotice(SystemNotice.MembersRemoved, actorId, removed);
        }
    }

    /// <summary>The content of a notice, for clients that do not render <c>system</c>: plain English, no names (they change).</summary>
    public static string FallbackText(SystemNotice notice) => notice.Type switch
    {
        SystemNotice.Created => $"Group created: {notice.Name}",
        SystemNotice.Renamed => $"Group renamed to {notice.Name}",
        SystemNotice.MembersAdded => notice.UserIds is [var one] && one == notice.ActorId ? "A member joined" : Count(notice.UserIds, "added"),
        SystemNotice.MembersRemoved => Count(notice.UserIds, "removed"),
        SystemNotice.Left => "A member left",
        SystemNotice.Frozen => "Group frozen: only admins can send",
        SystemNotice.Unfrozen => "Group unfrozen",
        SystemNotice.Call => notice.Outcome switch
        {
            "missed" => "Missed call",
            "declined" => "Declined call",
            _ => $"Call ended · {notice.DurationSeconds / 60}:{notice.DurationSeconds % 60:00}",
        },
        _ => "",
    };

    private static string Count(IReadOnlyList<string>? userIds, string verb) =>
        userIds is { Count: 1 } ? $"1 member {verb}" : $"{userIds?.Count ?? 0} members {verb}";
}
