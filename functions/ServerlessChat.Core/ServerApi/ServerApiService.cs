using ServerlessChat.Core.Account;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Groups;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Events;
using ServerlessChat.Core.SystemMessages;

namespace ServerlessChat.Core.ServerApi;

/// <summary>
/// API.md "For integrators": the integrator's backend addresses users by external id; each call is recorded in
/// the moderation audit log with the key's name as actor, after it succeeded (a refused call changed nothing).
/// </summary>
public sealed partial class ServerApiService(
    IUserStore users,
    IChangeLog changes,
    IModerationStore moderationStore,
    AuthService auth,
    ModerationService moderation,
    GroupService groups,
    MessageService messages,
    ContentFilter filter,
    ChatDirectory directory,
    AccountErasure erasure,
    SystemNotices notices,
    TimeProvider time,
    ILogger<ServerApiService> logger)
{
    // An external id is an issuer and subject or whatever the integrator uses: printable, bounded.
    private const int MaxExternalIdLength = 256;

    // Sign-in is through the integrator: no password verifies against this (not a BCrypt hash).
    internal const string NoPasswordHash = "!";

    public async Task<(UserDto User, bool Created)> UpsertUserAsync(ServerCaller caller, string externalId, UpsertServerUserRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        ExternalId(rules, externalId);
        var username = filter.Apply(rules, "username", rules.Username("username", request.Username), maskable: false);
        var displayName = filter.Apply(rules, "displayName", rules.Name("displayName", request.DisplayName, 64, required: false));
        var email = rules.Email("email", request.Email, required: false);
        rules.ThrowIfAny();

        var now = time.GetStoredNow();
        var existing = await users.FindByExternalIdAsync(externalId, ct);
        var created = false;
        if (existing is null)
        {
            var id = ObjectId.GenerateNewId().ToString();
            var user = new UserRecord(id, username!, email ?? UserEmails.Placeholder(id), displayName ?? username!, NoPasswordHash, now, now, ExternalId: externalId);
            var outcome = await users.CreateAsync(user, ct);
            ThrowIfTaken(outcome == CreateUserOutcome.UsernameTaken, outcome == CreateUserOutcome.EmailTaken);
            // ExternalIdTaken: a concurrent call created it a moment ago; this one updates it as any later call would.
            created = outcome == CreateUserOutcome.Created;
            existing = created ? user : await users.FindByExternalIdAsync(externalId, ct)
                ?? throw new InvalidOperationException("A user with a taken external id was not found.");
        }

        if (!created)
        {
            var outcome = await users.UpdateAccountAsync(existing.Id, new UserAccountChange(username, displayName, email), now, ct);
            ThrowIfTaken(outcome == UpdateUserOutcome.UsernameTaken, outcome == UpdateUserOutcome.EmailTaken);
            await directory.ForgetUserAsync(existing.Id, ct);
            existing = await users.FindByIdAsync(existing.Id, ct) ?? throw ProblemException.NotFound("No such user.");
        }

        await UserLog.RecordAsync(changes, existing.Id, created ? UserLog.Created : UserLog.Updated, ct);
        await AuditAsync(caller, created ? "createUser" : "updateUser", "user", existing.Id, ct);
        LogUpserted(logger, caller.Name, existing.Id, created);
        return (UserDto.From(existing, includeEmail: true), created);
    }

    public async Task<SessionDto> StartSessionAsync(ServerCaller caller, string externalId, string? userAgent, CancellationToken ct)
    {
        var user = await FindAsync(externalId, ct);
        var session = await auth.StartSessionAsync(user, userAgent, ct);
        await AuditAsync(caller, "startSession", "user", user.Id, ct);
        return session;
    }

    /// <summary>
    /// Erases the user with that external id (API.md "Sessions and the account"): recorded and its sessions ended
    /// at once, the rest by the account job; the audit log names the key. The external id is let go once it is done.
    /// </summary>
    public async Task EraseAsync(ServerCaller caller, string externalId, CancellationToken ct)
    {
        var user = await FindAsync(externalId, ct);
        await erasure.RequestAsync(user.Id, caller.Name, ct);
    }

    public async Task<ModeratedUserDto> SetRoleAsync(ServerCaller caller, string externalId, SetRoleRequest request, CancellationToken ct)
    {
        var user = await FindAsync(externalId, ct);
        // ModerationService records it in the audit log, with the key's name as actor.
        return await moderation.SetRoleAsync(caller.Name, user.Id, request, ct);
    }

    public async Task<Outcome<GroupDto>> CreateGroupAsync(ServerCaller caller, CreateServerGroupRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var members = await ResolveAllAsync(rules, "memberIds", request.MemberIds ?? [], ct);
        var admins = await ResolveAllAsync(rules, "adminIds", request.AdminIds ?? [], ct);
        rules.ThrowIfAny();

        var outcome = await groups.CreateTrustedAsync(request.Name, members, admins, ct);
        await AuditAsync(caller, "createGroup", "group", outcome.Value.Id, ct);
        return outcome;
    }

    public async Task<Outcome<GroupDto>> UpdateMembersAsync(ServerCaller caller, string groupId, UpdateServerGroupMembersRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var add = await ResolveAllAsync(rules, "add", request.Add ?? [], ct);
        var remove = await ResolveAllAsync(rules, "remove", request.Remove ?? [], ct);
        rules.ThrowIfAny();

        var outcome = await groups.UpdateMembersAsync(null, groupId, new UpdateMembersRequest(add, remove), ct);
        await AuditAsync(caller, "updateGroupMembers", "group", outcome.Value.Id, ct);
        return outcome;
    }

    public async Task<Outcome<(MessageDto Message, bool Created)>> SendAsync(ServerCaller caller, ServerMessageRequest request, CancellationToken ct)
    {
        if (request.SenderId == SystemNotice.ApiSenderId)
        {
            return await SendSystemAsync(caller, request, ct);
        }

        var rules = new InputRules();
        var sender = await ResolveAsync(rules, "senderId", request.SenderId, ct);
        var receiver = request.ReceiverId is null ? null : await ResolveAsync(rules, "receiverId", request.ReceiverId, ct);
        rules.ThrowIfAny();

        // Sent as that user, under every rule a send of its own follows (membership, blocks, the filter).
        var outcome = await messages.SendAsync(sender!, new SendMessageRequest(receiver, request.GroupId, request.Content, request.ClientMessageId), ct);
        if (outcome.Value.Created)
        {
            await AuditAsync(caller, "sendMessage", "message", outcome.Value.Message.Id, ct);
        }
        return outcome;
    }

    /// <summary><c>senderId: "system"</c>: a notice into a group (a direct conversation has no third party to send it), under the content filter.</summary>
    private async Task<Outcome<(MessageDto Message, bool Created)>> SendSystemAsync(ServerCaller caller, ServerMessageRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        if (request.ReceiverId is not null || request.GroupId is null)
        {
            rules.Add("groupId", "A system message goes to a group: give groupId and no receiverId.");
        }

        var groupId = rules.Id("groupId", request.GroupId, required: false);
        var content = filter.Apply(rules, "content", rules.Content("content", request.Content));
        var clientMessageId = rules.ClientMessageId("clientMessageId", request.ClientMessageId);
        rules.ThrowIfAny();

        var group = await directory.GetGroupAsync(groupId!, ct) ?? throw ProblemException.NotFound("No such group.");
        var (message, created, actions) = await notices.SendNoticeAsync(group.Id, content!, clientMessageId, ct);
        if (created)
        {
            await AuditAsync(caller, "sendMessage", "message", message.Id, ct);
        }

        return new((message, created), actions);
    }

    private async Task<UserRecord> FindAsync(string externalId, CancellationToken ct)
    {
        var rules = new InputRules();
        ExternalId(rules, externalId);
        rules.ThrowIfAny();
        return await users.FindByExternalIdAsync(externalId, ct) ?? throw ProblemException.NotFound("No user has this external id.");
    }

    private async Task<string?> ResolveAsync(InputRules rules, string field, string? externalId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(externalId))
        {
            rules.Add(field, "This field is required.");
            return null;
        }
        if (!IsExternalId(externalId))
        {
            rules.Add(field, "Give an external id of 1 to 256 printable characters.");
            return null;
        }
        var user = await users.FindByExternalIdAsync(externalId, ct);
        if (user is null)
        {
            rules.Add(field, $"No user has the external id {externalId}.");
        }
        return user?.Id;
    }

    private async Task<List<string>> ResolveAllAsync(InputRules rules, string field, IReadOnlyList<string> externalIds, CancellationToken ct)
    {
        if (externalIds.Count > InputRules.MaxMembers)
        {
            rules.Add(field, $"Give at most {InputRules.MaxMembers} external ids.");
            return [];
        }
        var ids = new List<string>(externalIds.Count);
        foreach (var externalId in externalIds.Distinct(StringComparer.Ordinal))
        {
            if (await ResolveAsync(rules, field, externalId, ct) is { } id)
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    private static void ExternalId(InputRules rules, string externalId)
    {
        if (!IsExternalId(externalId))
        {
            rules.Add("externalId", "Give an external id of 1 to 256 printable characters.");
        }
    }

    public static bool IsExternalId(string? value) =>
        value is { Length: > 0 and <= MaxExternalIdLength } && !value.Any(char.IsControl);

    private static void ThrowIfTaken(bool usernameTaken, bool emailTaken)
    {
        if (usernameTaken)
        {
            throw ProblemException.Conflict("The username is taken.", new Dictionary<string, string[]> { ["username"] = ["This username is taken."] });
        }
        if (emailTaken)
        {
            throw ProblemException.Conflict("The email is taken.", new Dictionary<string, string[]> { ["email"] = ["This email is already registered."] });
        }
    }

    private Task AuditAsync(ServerCaller caller, string action, string targetType, string targetId, CancellationToken ct) =>
        moderationStore.AppendAuditAsync(new AuditRecord(ObjectId.GenerateNewId().ToString(), caller.Name, action, targetType, targetId, null, time.GetStoredNow()), ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server API key {KeyName} upserted user {UserId} (created: {Created})")]
    private static partial void LogUpserted(ILogger logger, string keyName, string userId, bool created);
}
