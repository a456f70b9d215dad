using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Groups;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Reactions;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sessions;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Events;

namespace ServerlessChat.Core.Account;

/// <summary>
/// Erasing an account (API.md "Sessions and the account"). <see cref="RequestAsync"/> is the one entry point, for
/// the user's own <c>DELETE /api/users/me</c> and for the server API alike: it records the request in the user
/// store (so the work survives a restart), ends every session the way a suspension does, and queues the job.
/// <see cref="RunAsync"/> is the job: every step goes through the path a user's own action takes (a delete, a
/// reaction taken back, a group left), so members get the usual events and change-log entries, and every step is
/// idempotent, so a job run twice, or resumed halfway, ends the same.
/// </summary>
public sealed partial class AccountErasure(
    IUserStore users,
    IChangeLog changes,
    ChatDirectory directory,
    SessionService sessions,
    PasswordAttemptThrottle passwordAttempts,
    IPushStore push,
    IConversationStore conversations,
    IGroupStore groups,
    IMessageStore messages,
    IReactionStore reactions,
    IModerationStore moderation,
    MessageService messageService,
    ReactionService reactionService,
    GroupService groupService,
    ConversationAccess access,
    IRealtimePublisher realtime,
    IAccountJobQueue queue,
    AttachmentService attachments,
    TimeProvider time,
    ILogger<AccountErasure> logger)
{
    /// <summary>The actor the audit log names when users erase their own account.</summary>
    public const string SelfActor = "self";

    /// <summary>Messages read per page while going through a conversation.</summary>
    public const int PageSize = 200;

    /// <summary>Direct conversations looked at for reactions beyond those the user wrote in.</summary>
    public const int MaxDirectConversations = 2_000;

    /// <summary>The caller's own erasure, confirmed with its password (throttled as logins are): 400 for a wrong one.</summary>
    public async Task RequestOwnAsync(Caller caller, DeleteAccountRequest request, string sourceNetwork, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > 128)
        {
            throw ProblemException.Validation("password", "This field is required.");
        }

        // A repeat while the erasure runs is accepted again (the password is still there to check until it completes).
        var user = await users.FindByIdAsync(caller.UserId, ct);
        if (user is null || user.IsAssistant || user.Erased
            || !await passwordAttempts.VerifyAsync(user.Id, sourceNetwork, () => PasswordHashes.Verify(request.Password, user.PasswordHash), ct))
        {
            throw ProblemException.Validation("password", "The password is not right.");
        }

        await RequestAsync(user.Id, SelfActor, ct);
    }

    /// <summary>
    /// Erases the user: recorded at once, sessions ended at once, the rest by the job. Idempotent: a repeat while
    /// the erasure runs queues it again. 404 for an unknown user, the assistant, or one already erased.
    /// </summary>
    public async Task RequestAsync(string userId, string actorId, CancellationToken ct)
    {
        var user = InputRules.IsId(userId) ? await users.FindByIdAsync(userId, ct) : null;
        if (user is null || user.IsAssistant || user.Erased || !await users.BeginErasureAsync(user.Id, time.GetStoredNow(), ct))
        {
            throw ProblemException.NotFound("No such user.");
        }

        await directory.ForgetUserAsync(user.Id, ct);
        await sessions.EndAllAsync(user.Id, null, ct);
        await moderation.AppendAuditAsync(new AuditRecord(ObjectId.GenerateNewId().ToString(), actorId, "eraseUser", "user", user.Id, null, time.GetStoredNow()), ct);
        if (!await queue.EnqueueAsync(AccountJob.ForErasure(user.Id), ct))
        {
            // Recorded already: the next start of a host queues every unfinished erasure again.
            LogNotQueued(logger, user.Id);
        }

        LogRequested(logger, user.Id, actorId);
    }

    /// <summary>The job: does what is left of the user's erasure, then marks it complete.</summary>
    public async Task RunAsync(string userId, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(userId, ct);
        if (user is null || user.Erased || user.ErasureRequestedAt is null)
        {
            return;
        }

        // Who hears of the erased profile is who shared a conversation with it, known only before it leaves its groups.
        var contacts = await access.ListReachersAsync(user.Id, ct);
        await sessions.EndAllAsync(user.Id, null, ct);
        await RemovePushAsync(user.Id, ct);

        var memberOf = await groups.ListForMemberAsync(user.Id, ct);
        var conversationIds = new SortedSet<string>(await conversations.ListSpokenInAsync(user.Id, ct), StringComparer.Ordinal);
        conversationIds.UnionWith(memberOf.Select(g => ConversationIds.Group(g.Id)));
        conversationIds.UnionWith((await conversations.ListAsync(user.Id, [], MaxDirectConversations, ct)).Select(c => c.ConversationId));
        foreach (var conversationId in conversationIds)
        {
            await ClearConversationAsync(user.Id, conversationId, ct);
        }

        foreach (var group in memberOf)
        {
            await LeaveAsync(user.Id, group.Id, ct);
        }

        await users.CompleteErasureAsync(user.Id, time.GetStoredNow(), ct);
        // The store forgot the avatar; its thumbnail goes too (a rerun finds none left to remove).
        await attachments.DeleteAvatarAsync(user.AvatarId);
        await directory.ForgetUserAsync(user.Id, ct);
        await UserLog.RecordAsync(changes, user.Id, UserLog.Deleted, ct);
        var erased = await users.FindByIdAsync(user.Id, ct) ?? user;
        var dto = UserDto.From(erased);
        await realtime.PublishAsync([.. contacts.Select(c => new SendToUser(c, ChatHub.UserUpdated, dto))], ct);
        LogCompleted(logger, user.Id);
    }

    private async Task RemovePushAsync(string userId, CancellationToken ct)
    {
        foreach (var subscription in await push.ListSubscriptionsAsync(userId, ct))
        {
            await push.DeleteSubscriptionAsync(userId, subscription.Endpoint, ct);
        }

        foreach (var muted in await push.ListMutedAsync(userId, ct))
        {
            await push.UnmuteAsync(userId, muted, ct);
        }
    }

    /// <summary>Deletes the user's messages of the conversation and takes back its reactions on the others', page by page.</summary>
    private async Task ClearConversationAsync(string userId, string conversationId, CancellationToken ct)
    {
        string? before = null;
        while (true)
        {
            var page = await messages.GetPageAsync(conversationId, before, PageSize, ct);
            if (page.Count == 0)
            {
                return;
            }

            // System messages stored under the user stay: they are the group's history, and name it as the deleted user.
            foreach (var message in page.Where(m => m.SenderId == userId && !m.Deleted && m.System is null))
            {
                await realtime.PublishAsync((await messageService.DeleteForErasureAsync(message, ct)).Actions, ct);
            }

            var others = page.Where(m => m.SenderId != userId && !m.Deleted).ToDictionary(m => m.Id, StringComparer.Ordinal);
            if (others.Count > 0)
            {
                foreach (var reaction in (await reactions.ListAsync([conversationId], others.Keys, ct)).Where(r => r.UserId == userId))
                {
                    await TakeBackAsync(others[reaction.MessageId], reaction.Emoji, userId, ct);
                }
            }

            if (page.Count < PageSize)
            {
                return;
            }

            before = page[^1].Id;
        }
    }

    private async Task TakeBackAsync(MessageRecord message, string emoji, string userId, CancellationToken ct)
    {
        try
        {
            await realtime.PublishAsync((await reactionService.RemoveForErasureAsync(message, emoji, userId, ct)).Actions, ct);
        }
        catch (ProblemException e) when (e.Status is 404 or 409)
        {
            // The message was deleted meanwhile, and its reactions with it.
        }
    }

    private async Task LeaveAsync(string userId, string groupId, CancellationToken ct)
    {
        try
        {
            var outcome = await groupService.UpdateMembersAsync(userId, groupId, new UpdateMembersRequest(null, [userId]), ct);
            await realtime.PublishAsync(outcome.Actions, ct);
        }
        catch (ProblemException e) when (e.Status == 404)
        {
            // Not a member any more: an earlier run, or an admin, removed it.
        }
    }

    [LoggerMessage(LogLevel.Information, "Erasure of user {UserId} requested by {ActorId}")]
    private static partial void LogRequested(ILogger logger, string userId, string actorId);

    [LoggerMessage(LogLevel.Warning, "The erasure of user {UserId} is recorded but its job was not queued (queue full); it runs at the next start")]
    private static partial void LogNotQueued(ILogger logger, string userId);

    [LoggerMessage(LogLevel.Information, "Erasure of user {UserId} complete")]
    private static partial void LogCompleted(ILogger logger, string userId);
}
