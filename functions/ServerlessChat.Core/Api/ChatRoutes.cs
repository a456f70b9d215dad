namespace ServerlessChat.Core.Api;

/// <summary>
/// Every route of the API, relative to the "/api" prefix, defined once. The standalone host maps them through
/// <see cref="ChatApi.MapChatApi"/>; the Functions app names them in its [HttpTrigger] attributes.
/// </summary>
public static class ChatRoutes
{
    public const string Prefix = "api";

    public const string Health = "health";

    public const string Register = "auth/register";
    public const string Login = "auth/login";
    public const string Refresh = "auth/refresh";
    public const string Logout = "auth/logout";
    public const string PasswordReset = "auth/password-reset";
    public const string PasswordResetConfirm = "auth/password-reset/confirm";
    public const string Sessions = "auth/sessions";
    public const string SessionById = "auth/sessions/{id}";
    public const string Password = "auth/password";

    public const string Me = "users/me";
    public const string MyPrivacy = "users/me/privacy";
    public const string MyExport = "users/me/export";
    public const string MyExportById = "users/me/export/{id}";
    public const string Users = "users";
    public const string UserById = "users/{id}";
    public const string UserBlock = "users/{id}/block";
    public const string BlockedUsers = "users/blocked";

    public const string Messages = "messages";
    public const string MessageById = "messages/{id}";
    public const string MessagesRead = "messages/read";
    public const string Conversations = "conversations";
    public const string MessageReactions = "messages/{id}/reactions";
    public const string MessageReaction = "messages/{id}/reactions/{emoji}";
    public const string MessagePin = "messages/{id}/pin";
    public const string MessageEdits = "messages/{id}/edits";
    public const string MessageThread = "messages/{id}/thread";
    public const string Threads = "threads";
    public const string ConversationPins = "conversations/{conversationId}/pins";

    public const string SearchMessages = "search/messages";

    public const string Attachments = "attachments";
    public const string AttachmentById = "attachments/{id}";

    public const string Groups = "groups";
    public const string GroupById = "groups/{id}";
    public const string GroupMembers = "groups/{id}/members";
    public const string GroupAdmin = "groups/{id}/admins/{userId}";
    public const string GroupMutedMember = "groups/{id}/muted-members/{userId}";
    public const string GroupInvites = "groups/{id}/invites";
    public const string GroupInvite = "groups/{id}/invites/{token}";
    public const string InviteByToken = "invites/{token}";
    public const string InviteJoin = "invites/{token}/join";
    public const string ConversationReadMarkers = "conversations/{conversationId}/read-markers";

    public const string Negotiate = "negotiate";
    public const string Typing = "typing";
    public const string Presence = "presence";
    public const string PresenceHeartbeat = "presence/heartbeat";

    public const string CallSignal = "calls/signal";
    public const string IceServers = "calls/ice-servers";

    public const string Assistant = "assistant";

    public const string Sync = "sync";

    public const string Reports = "reports";
    public const string ModerationReports = "moderation/reports";
    public const string ModerationReportResolve = "moderation/reports/{id}/resolve";
    public const string ModerationMessage = "moderation/messages/{id}";
    public const string ModerationSuspension = "moderation/users/{id}/suspension";
    public const string ModerationRole = "moderation/users/{id}/role";
    public const string ModerationAudit = "moderation/audit";

    public const string PushVapidPublicKey = "push/vapid-public-key";
    public const string PushSubscriptions = "push/subscriptions";
    public const string PushMutes = "push/mutes";
    public const string ConversationMute = "conversations/{conversationId}/mute";

    // The server API: not under "admin", which the Functions host reserves.
    public const string ServerUser = "server/users/{externalId}";
    public const string ServerUserSessions = "server/users/{externalId}/sessions";
    public const string ServerUserRole = "server/users/{externalId}/role";
    public const string ServerGroups = "server/groups";
    public const string ServerGroupMembers = "server/groups/{id}/members";
    public const string ServerMessages = "server/messages";
}
