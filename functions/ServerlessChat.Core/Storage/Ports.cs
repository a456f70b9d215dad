using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage;

// The storage ports. Each adapter (SQLite, MongoDB) implements all of them; one contract test suite runs
// against both. Every query is served by an index: no method scans a table or collection.

/// <summary><see cref="ExternalIdTaken"/> wins over the others: the caller then finds the user that has it.</summary>
public enum CreateUserOutcome { Created, UsernameTaken, EmailTaken, ExternalIdTaken }

public enum UpdateUserOutcome { Updated, NotFound, UsernameTaken, EmailTaken }

/// <summary>What <see cref="IUserStore.UpdateAccountAsync"/> sets; a null field stays as it is.</summary>
public sealed record UserAccountChange(string? Username = null, string? DisplayName = null, string? Email = null);

public interface IUserStore
{
    Task<CreateUserOutcome> CreateAsync(UserRecord user, CancellationToken ct);
    Task<UserRecord?> FindByIdAsync(string id, CancellationToken ct);
    Task<IReadOnlyList<UserRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct);
    /// <summary>Case-insensitive.</summary>
    Task<UserRecord?> FindByUsernameAsync(string username, CancellationToken ct);
    /// <summary>Case-insensitive.</summary>
    Task<UserRecord?> FindByEmailAsync(string email, CancellationToken ct);
    /// <summary>
    /// The user with this external id (an external identity's issuer and subject, or the id the server API gave
    /// it), compared exactly. External ids are unique: of concurrent creates with one, exactly one answers
    /// <see cref="CreateUserOutcome.Created"/>.
    /// </summary>
    Task<UserRecord?> FindByExternalIdAsync(string externalId, CancellationToken ct);
    /// <summary>Sets the username, display name and email in one write, or nothing when one of them is taken.</summary>
    Task<UpdateUserOutcome> UpdateAccountAsync(string id, UserAccountChange change, DateTimeOffset at, CancellationToken ct);
    /// <summary>Users whose username or display name starts with the prefix, ignoring case, matched literally.</summary>
    Task<IReadOnlyList<UserRecord>> SearchByPrefixAsync(string prefix, int limit, CancellationToken ct);
    Task UpdatePasswordAsync(string id, string passwordHash, DateTimeOffset at, CancellationToken ct);
    /// <summary>Sets who may add the user to groups; false when there is no such user.</summary>
    Task<bool> SetGroupAddsAsync(string id, GroupAdds groupAdds, DateTimeOffset at, CancellationToken ct);
    /// <summary>
    /// Records that the user asked to be erased (the first time only; a repeat keeps the first time): from then on
    /// search leaves it out and <see cref="ListErasingAsync"/> lists it until <see cref="CompleteErasureAsync"/>.
    /// False when there is no such user.
    /// </summary>
    Task<bool> BeginErasureAsync(string id, DateTimeOffset at, CancellationToken ct);
    /// <summary>
    /// Changes the display name, status and/or avatar in one write; null when there is no such user or it is
    /// being erased. Returns the user as the write found it and as it left it (of concurrent changes, each sees
    /// the one before it, so a replaced avatar is known to exactly one of them).
    /// </summary>
    Task<ProfileUpdate?> UpdateProfileAsync(string id, ProfileChange change, DateTimeOffset at, CancellationToken ct);
    /// <summary>Users whose erasure was asked for and is not complete, oldest request first (work a stopped process left).</summary>
    Task<IReadOnlyList<string>> ListErasingAsync(int limit, CancellationToken ct);
    /// <summary>
    /// Frees the user's username, email and display name (it becomes <see cref="UserRecord.ErasedUsername"/>,
    /// <see cref="UserRecord.ErasedDisplayName"/>, an email no one can register), removes its password hash and
    /// marks it <see cref="UserRecord.Erased"/>. Idempotent.
    /// </summary>
    Task CompleteErasureAsync(string id, DateTimeOffset at, CancellationToken ct);
}

public interface IMessageStore
{
    /// <summary>
    /// Stores the message, or, when the same sender already stored one with the same clientMessageId, stores
    /// nothing and returns that one with <c>Created = false</c>.
    /// A new message is recorded in the change log (type <c>newMessage</c>) in the same write, and its sender as
    /// having taken part in the conversation (<see cref="IConversationStore.FindSpeakersAsync"/>). Either way the
    /// returned message becomes the latest of its conversation (as <see cref="IConversationStore.TouchAsync"/>,
    /// never backwards), so a repeat completes a first attempt that stopped halfway.
    /// <c>Change</c> is the <c>newMessage</c> change that recorded the returned message: this write's, or for a
    /// repeat the first attempt's (committed by the repeat if that attempt stopped before committing it), so that the
    /// repeat can publish the message under the cursor it has (null when that entry is no longer kept).
    /// </summary>
    /// <remarks>
    /// A thread reply (<see cref="MessageRecord.ThreadId"/>, naming a top-level message of the same conversation)
    /// adds itself to its root's <see cref="MessageRecord.Thread"/> in the same write (count, latest time, its sender
    /// among the participants), so the count is exact however many replies race. A reply not
    /// <see cref="MessageRecord.InConversation"/> stays out of the history page, the unread and unread-mention
    /// counts and the conversation's latest.
    /// </remarks>
    Task<(MessageRecord Message, bool Created, ChangeRecord? Change)> InsertAsync(MessageRecord message, CancellationToken ct);
    /// <summary>A thread's replies, oldest first, ids strictly above <paramref name="afterId"/> when given (an index range, no scan).</summary>
    Task<IReadOnlyList<MessageRecord>> GetThreadPageAsync(string conversationId, string rootId, string? afterId, int limit, CancellationToken ct);
    /// <summary>The messages of one conversation with these ids (one partition, no scan).</summary>
    Task<IReadOnlyList<MessageRecord>> FindByIdsAsync(string conversationId, IReadOnlyCollection<string> ids, CancellationToken ct);
    Task<MessageRecord?> FindByIdAsync(string id, CancellationToken ct);
    /// <summary>Newest first, ids strictly below <paramref name="beforeId"/> when given; only messages <see cref="MessageRecord.InConversation"/>.</summary>
    Task<IReadOnlyList<MessageRecord>> GetPageAsync(string conversationId, string? beforeId, int limit, CancellationToken ct);
    /// <summary>
    /// Replaces the text and the mentions of an undeleted message (the unread-mention counts follow), keeping the
    /// text it had, with the time that text was written, as the newest entry of its edit history (at most
    /// <see cref="MessageEditRecord.MaxKept"/>; the oldest go first), all in one write; also records
    /// <c>messageUpdated</c> in the change log. Null when there is no such undeleted message.
    /// </summary>
    Task<Changed<MessageRecord>?> UpdateContentAsync(string id, string content, IReadOnlyList<string> mentions, DateTimeOffset editedAt, CancellationToken ct);
    /// <summary>The earlier versions of the message, oldest first; empty when it was never edited, is deleted or is unknown.</summary>
    Task<IReadOnlyList<MessageEditRecord>> ListEditsAsync(string id, CancellationToken ct);
    /// <summary>
    /// Also records <c>messageDeleted</c> in the change log. The message's reactions, mentions, edit history and
    /// pin go with it. <paramref name="deletedBy"/>: <c>moderation</c> for a removal by moderation.
    /// </summary>
    Task<Changed<MessageRecord>?> MarkDeletedAsync(string id, DateTimeOffset at, CancellationToken ct, string? deletedBy = null);
    /// <summary>Messages after <paramref name="afterId"/> (all when null) not sent by the user and not deleted.</summary>
    Task<long> CountUnreadAsync(string conversationId, string userId, string? afterId, CancellationToken ct);
    /// <summary>The messages with these ids that exist, in no particular order (one query, e.g. the replied-to messages of a page).</summary>
    Task<IReadOnlyList<MessageRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct);
    /// <summary>Undeleted messages after <paramref name="afterId"/> (all when null) that mention the user; served by an index.</summary>
    Task<long> CountUnreadMentionsAsync(string conversationId, string userId, string? afterId, CancellationToken ct);
}

public enum ReactionChange { Added, Unchanged, Removed, TooManyEmoji, MessageDeleted, NoMessage }

/// <summary>
/// Reactions, one per (message, emoji, user). A message's deletion removes its reactions (its
/// <c>messageDeleted</c> change says so). Every add or remove that changes something records
/// <c>reactionsUpdated</c> with the message as the entity in the conversation's change log, in the same write
/// where the store allows; <c>Change</c> is that entry, null when nothing changed.
/// </summary>
public interface IReactionStore
{
    /// <summary>
    /// Adds the user's reaction atomically: <see cref="ReactionChange.Unchanged"/> when it is there already,
    /// <see cref="ReactionChange.TooManyEmoji"/> when the message has <paramref name="maxDistinctEmoji"/> other emoji.
    /// </summary>
    Task<(ReactionChange Outcome, ChangeRecord? Change)> AddAsync(string conversationId, string messageId, string emoji, string userId, int maxDistinctEmoji, CancellationToken ct);
    /// <summary><see cref="ReactionChange.Removed"/>, or <see cref="ReactionChange.Unchanged"/> when there was no such reaction.</summary>
    Task<(ReactionChange Outcome, ChangeRecord? Change)> RemoveAsync(string conversationId, string messageId, string emoji, string userId, CancellationToken ct);
    /// <summary>The reactions of the messages, in the order they were made.</summary>
    Task<IReadOnlyList<ReactionRecord>> ListAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> messageIds, CancellationToken ct);
}

public enum PinChange { Pinned, Unpinned, Unchanged, Full, NoMessage, MessageDeleted }

/// <summary>
/// Pinned messages, at most a given number per conversation however many pins race. A pin or unpin that changes
/// something records <c>messageUpdated</c> with the message as the entity (in the same write where the store
/// allows); <c>Change</c> is that entry, null when nothing changed. A message's deletion removes its pin.
/// </summary>
public interface IPinStore
{
    /// <summary>
    /// Pins the message of the conversation: <see cref="PinChange.Unchanged"/> when it is pinned already,
    /// <see cref="PinChange.Full"/> when <paramref name="maxPerConversation"/> others are, <see cref="PinChange.NoMessage"/>
    /// or <see cref="PinChange.MessageDeleted"/> when there is no such message in the conversation or it is deleted.
    /// </summary>
    Task<(PinChange Outcome, ChangeRecord? Change)> PinAsync(PinRecord pin, int maxPerConversation, CancellationToken ct);
    /// <summary><see cref="PinChange.Unpinned"/>, or <see cref="PinChange.Unchanged"/> when it was not pinned.</summary>
    Task<(PinChange Outcome, ChangeRecord? Change)> UnpinAsync(string conversationId, string messageId, CancellationToken ct);
    /// <summary>The conversation's pins, latest pin first.</summary>
    Task<IReadOnlyList<PinRecord>> ListAsync(string conversationId, CancellationToken ct);
    /// <summary>The pins of any of the messages in the conversations, in one query (a page's enrichment).</summary>
    Task<IReadOnlyList<PinRecord>> FindAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> messageIds, CancellationToken ct);
}

/// <summary>
/// Who takes part in which thread: <see cref="IMessageStore.InsertAsync"/> of a reply adds the root's sender, the
/// reply's sender and those it mentions (each once, however many replies race), with no thread read marker.
/// </summary>
public interface IThreadStore
{
    /// <summary>The user's threads, at most <paramref name="limit"/>, in no particular order.</summary>
    Task<IReadOnlyList<ThreadMemberRecord>> ListForUserAsync(string userId, int limit, CancellationToken ct);
    /// <summary>Moves the user's marker in the thread forward to <paramref name="upTo"/> (never back); the marker after, null when the user takes no part in the thread.</summary>
    Task<string?> AdvanceReadAsync(string userId, string rootId, string upTo, CancellationToken ct);
    /// <summary>Undeleted replies of the thread after <paramref name="afterId"/> (all when null) not sent by the user.</summary>
    Task<long> CountUnreadAsync(string conversationId, string rootId, string userId, string? afterId, CancellationToken ct);
}

/// <summary>Link previews: those of a message, and the previews of pages kept by URL for a while.</summary>
public interface ILinkPreviewStore
{
    /// <summary>Sets the message's <see cref="MessageRecord.Links"/>; the message as it now is, null when there is no such undeleted message.</summary>
    Task<MessageRecord?> SetMessageLinksAsync(string messageId, IReadOnlyList<LinkPreviewRecord> links, CancellationToken ct);
    /// <summary>The kept preview of the page, null when there is none or it expired before <paramref name="now"/>.</summary>
    Task<LinkPreviewRecord?> FindAsync(string url, DateTimeOffset now, CancellationToken ct);
    /// <summary>Keeps the preview until <paramref name="expiresAt"/>, replacing one kept for the same URL (the last writer wins).</summary>
    Task PutAsync(LinkPreviewRecord preview, DateTimeOffset expiresAt, CancellationToken ct);
}

public sealed record MessageSearchResult(IReadOnlyList<MessageRecord> Messages, bool Complete);

public interface IMessageSearchStore
{
    /// <summary>
    /// Undeleted messages of the conversations with, for every term, a word that starts with it (terms and words
    /// as <see cref="Search.SearchText"/> normalizes them), newest first, older than <paramref name="beforeId"/>
    /// when given. <c>Complete</c> is false when the store stopped before it had looked at everything.
    /// </summary>
    Task<MessageSearchResult> SearchAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct);

    /// <summary>
    /// As <see cref="SearchAsync"/> over every conversation of the user: its direct conversations (those
    /// <see cref="IConversationStore.ListAsync"/> lists) and the groups it is a member of now, however many. The
    /// store finds them itself, from its membership indexes, without a cap and without reading member lists.
    /// </summary>
    Task<MessageSearchResult> SearchAllAsync(string userId, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct);
}

/// <summary>Who blocked whom.</summary>
public interface IBlockStore
{
    /// <summary>Idempotent.</summary>
    Task BlockAsync(string blockerId, string blockedId, DateTimeOffset at, CancellationToken ct);
    /// <summary>Idempotent.</summary>
    Task UnblockAsync(string blockerId, string blockedId, CancellationToken ct);
    /// <summary>The users <paramref name="blockerId"/> blocked, in the order it blocked them.</summary>
    Task<IReadOnlyList<string>> ListBlockedAsync(string blockerId, CancellationToken ct);
    Task<bool> IsBlockedAsync(string blockerId, string blockedId, CancellationToken ct);
}

/// <summary>A browser's Web Push subscription (RFC 8030): its endpoint is unique, a user has one per device.</summary>
public sealed record PushSubscriptionRecord(string UserId, string Endpoint, string P256dh, string Auth, DateTimeOffset CreatedAt);

/// <summary>Web Push subscriptions and the conversations each user muted.</summary>
public interface IPushStore
{
    /// <summary>
    /// Stores the subscription; an endpoint already stored is replaced (keys and user), so it is never twice. The
    /// user then keeps its newest <paramref name="maxPerUser"/> (by CreatedAt, then endpoint): older ones are
    /// removed, so a burst of saves ends with that many, never more.
    /// </summary>
    Task SaveSubscriptionAsync(PushSubscriptionRecord subscription, int maxPerUser, CancellationToken ct);
    /// <summary>Removes the user's subscription with that endpoint; idempotent, and never another user's.</summary>
    Task DeleteSubscriptionAsync(string userId, string endpoint, CancellationToken ct);
    /// <summary>Removes the endpoint whoever owns it (the push service said it is gone).</summary>
    Task DeleteEndpointAsync(string endpoint, CancellationToken ct);
    /// <summary>The user's subscriptions, oldest first.</summary>
    Task<IReadOnlyList<PushSubscriptionRecord>> ListSubscriptionsAsync(string userId, CancellationToken ct);
    /// <summary>The subscriptions of any of the users in one query (a message's recipients), each user's oldest first.</summary>
    Task<IReadOnlyList<PushSubscriptionRecord>> ListSubscriptionsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct);
    /// <summary>Idempotent.</summary>
    Task MuteAsync(string userId, string conversationId, CancellationToken ct);
    /// <summary>Idempotent.</summary>
    Task UnmuteAsync(string userId, string conversationId, CancellationToken ct);
    Task<bool> IsMutedAsync(string userId, string conversationId, CancellationToken ct);
    /// <summary>Those of the users who muted the conversation, in one query.</summary>
    Task<IReadOnlyList<string>> FindMutedAsync(string conversationId, IReadOnlyCollection<string> userIds, CancellationToken ct);
    /// <summary>The conversations the user muted, in ordinal order of their ids.</summary>
    Task<IReadOnlyList<string>> ListMutedAsync(string userId, CancellationToken ct);
}

public interface IConversationStore
{
    /// <summary>Records the conversation's latest message (never moves it backwards).</summary>
    Task TouchAsync(ConversationRecord conversation, CancellationToken ct);
    Task<ConversationRecord?> FindAsync(string conversationId, CancellationToken ct);
    /// <summary>Direct conversations of the user and those of the given groups, latest activity first.</summary>
    Task<IReadOnlyList<ConversationRecord>> ListAsync(string userId, IReadOnlyCollection<string> groupIds, int limit, CancellationToken ct);
    /// <summary>
    /// Moves the user's read marker forward to <paramref name="upTo"/> (never backwards) and returns the marker now
    /// stored; when it moved, the change log records <c>messagesRead</c> with the user as the entity.
    /// </summary>
    Task<(string UpTo, ChangeRecord? Change)> AdvanceReadMarkerAsync(string conversationId, string userId, string upTo, CancellationToken ct);
    /// <summary>Read markers of the conversation, by user id.</summary>
    Task<IReadOnlyDictionary<string, string>> GetReadMarkersAsync(string conversationId, CancellationToken ct);
    /// <summary>Read markers of several conversations in one query, by conversation id and then user id; a conversation without any is left out.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetReadMarkersAsync(IReadOnlyCollection<string> conversationIds, CancellationToken ct);
    /// <summary>
    /// Read markers of the conversation with when each last moved (the time of its <c>messagesRead</c> change,
    /// kept by <see cref="AdvanceReadMarkerAsync"/>), in no particular order.
    /// </summary>
    Task<IReadOnlyList<ReadMarkerRecord>> ListReadMarkersAsync(string conversationId, CancellationToken ct);
    /// <summary>
    /// Which of the users have sent a message in which of the conversations (as <see cref="IMessageStore.InsertAsync"/>
    /// records it), in one query: who took part, as opposed to who was only written to.
    /// </summary>
    Task<IReadOnlyList<ConversationSpeaker>> FindSpeakersAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> userIds, CancellationToken ct);
    /// <summary>
    /// Every conversation the user has sent a message in (as <see cref="FindSpeakersAsync"/> answers), in ordinal
    /// order of their ids: one read of an index on the user, however many conversations it has.
    /// </summary>
    Task<IReadOnlyList<string>> ListSpokenInAsync(string userId, CancellationToken ct);
}

/// <summary>A user who has sent at least one message in a conversation.</summary>
public sealed record ConversationSpeaker(string ConversationId, string UserId);

public interface IGroupStore
{
    /// <summary>Also records <c>groupUpdated</c> in the group conversation's change log.</summary>
    Task<ChangeRecord> CreateAsync(GroupRecord group, CancellationToken ct);
    Task<GroupRecord?> FindByIdAsync(string id, CancellationToken ct);
    Task<IReadOnlyList<GroupRecord>> ListForMemberAsync(string userId, CancellationToken ct);
    /// <summary>Replaces members and admins when the stored version still equals <paramref name="expectedVersion"/>; the version then increments. Returns null on a version conflict or missing group. Also records <c>groupUpdated</c>.</summary>
    Task<Changed<GroupRecord>?> UpdateMembersAsync(string id, long expectedVersion, IReadOnlyList<string> members, IReadOnlyList<string> admins, DateTimeOffset at, CancellationToken ct);
    /// <summary>
    /// Replaces everything a group's admins change (name, description, frozen, muted members, members and admins)
    /// with <paramref name="group"/>'s when the stored version still equals <paramref name="expectedVersion"/>; the
    /// version then increments and UpdatedAt becomes <paramref name="at"/>. Null on a version conflict or missing
    /// group. Also records <c>groupUpdated</c>.
    /// </summary>
    Task<Changed<GroupRecord>?> UpdateAsync(GroupRecord group, long expectedVersion, DateTimeOffset at, CancellationToken ct);
    /// <summary>
    /// Adds the user as the last member, unless it is one already or the group has <paramref name="maxMembers"/>:
    /// one atomic step, so concurrent joins never pass the cap and none is lost. Records <c>groupUpdated</c> when
    /// it added.
    /// </summary>
    Task<(JoinOutcome Outcome, Changed<GroupRecord>? Group)> AddMemberAsync(string id, string userId, int maxMembers, DateTimeOffset at, CancellationToken ct);
}

public enum JoinOutcome { Joined, AlreadyMember, Full, NoGroup }

/// <summary>Invite links of groups, by token.</summary>
public interface IGroupInviteStore
{
    /// <summary>Stores the invite unless its group has <paramref name="maxLive"/> live ones at <paramref name="now"/> (false then), whatever the concurrency.</summary>
    Task<bool> CreateAsync(GroupInviteRecord invite, int maxLive, DateTimeOffset now, CancellationToken ct);
    Task<GroupInviteRecord?> FindAsync(string token, CancellationToken ct);
    /// <summary>The group's invites, live or not, oldest first.</summary>
    Task<IReadOnlyList<GroupInviteRecord>> ListAsync(string groupId, CancellationToken ct);
    /// <summary>Revokes the group's invite; false when the group has no such invite.</summary>
    Task<bool> RevokeAsync(string groupId, string token, CancellationToken ct);
    /// <summary>Counts one use if the invite is live at <paramref name="now"/>, atomically: concurrent uses never pass MaxUses.</summary>
    Task<bool> UseAsync(string token, DateTimeOffset now, CancellationToken ct);
    /// <summary>Gives back a use that joined nobody (the user was a member already, or the group full).</summary>
    Task ReleaseAsync(string token, CancellationToken ct);
}

/// <summary>
/// The change log behind sync: partitioned by conversation (the Cosmos DB shard key), one entry per change.
/// The message, read-marker, group and reaction writes record their own entries; a change with no such write
/// (an image processed, say) is recorded with <see cref="AppendAsync"/> right after it.
/// </summary>
/// <remarks>
/// A change that a write reports is in the log (committed, not pending), and a write that fails leaves no entry
/// that says more than what is stored. Numbers are consecutive, but on a store without multi-document
/// transactions entries commit out of order and a write that fails can leave a number unused or an entry
/// pending: a reader advances a conversation through consecutive, committed entries only, and passes a gap or a
/// pending entry once it is older than <see cref="Sync.SyncOptions.SettleSeconds"/> (Sync does that).
/// </remarks>
public interface IChangeLog
{
    /// <summary>Records a change of <paramref name="type"/> (the realtime event name) to <paramref name="entityId"/>.</summary>
    Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct);
    /// <summary>
    /// The entries of several conversations at once, each with <c>At</c> greater than its own bound in
    /// <paramref name="afterAt"/> (by conversation id), merged oldest first (entries with the same time in any
    /// order), at most <paramref name="limit"/>: one query made of one index range per conversation, whose cost
    /// follows the entries returned, not the number of conversations.
    /// </summary>
    Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(IReadOnlyDictionary<string, long> afterAt, int limit, CancellationToken ct);
    /// <summary>The entries with these numbers that exist (none yet for a number not written), in any order: point reads in one query.</summary>
    Task<IReadOnlyList<ChangeRecord>> FindAsync(IReadOnlyCollection<(string ConversationId, long Seq)> keys, CancellationToken ct);
    /// <summary>Removes entries older than <paramref name="before"/> (MongoDB also has a TTL index for this).</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct);
    /// <summary>
    /// The entries of every conversation stamped after <paramref name="afterAt"/>, oldest first, at most
    /// <paramref name="limit"/>, pending ones included: how a consumer of the whole log (events out) finds the
    /// conversations that have something new, before reading them with <see cref="ReadAfterAsync"/>.
    /// </summary>
    Task<IReadOnlyList<ChangeRecord>> ReadAllAfterAsync(long afterAt, int limit, CancellationToken ct);
    /// <summary>What a consumer of the log saved of its position (its own text), null before its first save.</summary>
    Task<string?> GetConsumerStateAsync(string consumer, CancellationToken ct);
    /// <summary>Replaces the consumer's saved position. One consumer has one writer (its dispatcher).</summary>
    Task SaveConsumerStateAsync(string consumer, string state, CancellationToken ct);
}

public interface IAuthTokenStore
{
    Task InsertRefreshTokenAsync(RefreshTokenRecord token, CancellationToken ct);
    Task<RefreshTokenRecord?> FindRefreshTokenAsync(string tokenHash, CancellationToken ct);
    /// <summary>Marks the token used if it is still unused and unrevoked; false when someone got there first.</summary>
    Task<bool> TryUseRefreshTokenAsync(string tokenHash, DateTimeOffset at, CancellationToken ct);
    Task RevokeRefreshFamilyAsync(string familyId, DateTimeOffset at, CancellationToken ct);
    Task RevokeAllRefreshTokensAsync(string userId, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Stores a new reset token and ends the user's older ones (marks them used), so a user has at most one live
    /// reset token, the newest: of tokens inserted concurrently, the latest by creation time (then by hash) stays.
    /// </summary>
    Task InsertResetTokenAsync(ResetTokenRecord token, CancellationToken ct);
    Task<ResetTokenRecord?> FindResetTokenAsync(string tokenHash, CancellationToken ct);
    /// <summary>Marks the reset token used if it is still unused; false when it was used already.</summary>
    Task<bool> TryUseResetTokenAsync(string tokenHash, DateTimeOffset at, CancellationToken ct);
    /// <summary>Marks every unused reset token of the user used: after a reset, no older link works.</summary>
    Task UseAllResetTokensAsync(string userId, DateTimeOffset at, CancellationToken ct);

    /// <summary>Removes expired refresh and reset tokens (MongoDB also has TTL indexes for this).</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken ct);
}

public interface ISessionStore
{
    Task CreateAsync(SessionRecord session, CancellationToken ct);
    Task<SessionRecord?> FindAsync(string id, CancellationToken ct);
    /// <summary>
    /// Makes <paramref name="newTokenHash"/> the session's current refresh token if the current one is still
    /// <paramref name="expectedTokenHash"/> and the session has not ended: one atomic write, so of two trades of
    /// one token exactly one returns true.
    /// </summary>
    Task<bool> TryRotateAsync(string id, string expectedTokenHash, string newTokenHash, DateTimeOffset at, DateTimeOffset expiresAt, string? userAgent, CancellationToken ct);
    /// <summary>Ends the session; false when it was ended already or is unknown.</summary>
    Task<bool> EndAsync(string id, DateTimeOffset at, CancellationToken ct);
    /// <summary>Ends every live session of the user except <paramref name="exceptId"/>; returns the ids it ended.</summary>
    Task<IReadOnlyList<string>> EndAllAsync(string userId, string? exceptId, DateTimeOffset at, CancellationToken ct);
    /// <summary>The user's sessions that have neither ended nor expired, most recently used first.</summary>
    Task<IReadOnlyList<SessionRecord>> ListLiveAsync(string userId, DateTimeOffset now, int limit, CancellationToken ct);
    /// <summary>Sessions ended at or after <paramref name="since"/>, oldest end first (what every instance's revocation list is built from).</summary>
    Task<IReadOnlyList<EndedSession>> ListEndedSinceAsync(DateTimeOffset since, int limit, CancellationToken ct);
    /// <summary>Removes sessions that expired before <paramref name="before"/> (MongoDB also has a TTL for this).</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset before, CancellationToken ct);
}

/// <summary>Fixed-window counters and strike records shared by every instance of the app.</summary>
public interface IRateLimitCounterStore
{
    /// <summary>Adds one to the counter of <paramref name="key"/> for the window ending at <paramref name="windowEnd"/> and returns the new count.</summary>
    Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct);

    /// <summary>
    /// Counts one more strike against <paramref name="key"/> at <paramref name="at"/> and keeps the record until
    /// <paramref name="expiresAt"/> (each strike moves the expiry); answers the record as it stood before this
    /// strike (null when there was none or it had expired), in one atomic step, so concurrent strikes each see a
    /// different count. Strike keys are apart from <see cref="IncrementAsync"/>'s.
    /// </summary>
    Task<StrikeRecord?> StrikeAsync(string key, DateTimeOffset at, DateTimeOffset expiresAt, CancellationToken ct);

    /// <summary>The strikes against <paramref name="key"/>, or null when there are none or they expired by <paramref name="now"/>.</summary>
    Task<StrikeRecord?> FindStrikesAsync(string key, DateTimeOffset now, CancellationToken ct);

    /// <summary>Forgets the strikes against <paramref name="key"/>.</summary>
    Task ClearStrikesAsync(string key, CancellationToken ct);
}

public interface IPresenceStore
{
    /// <summary>Counts one more connection; returns the record after the change.</summary>
    Task<PresenceRecord> ConnectedAsync(string userId, DateTimeOffset at, CancellationToken ct);
    /// <summary>Counts one connection fewer (never below zero); returns the record after the change.</summary>
    Task<PresenceRecord> DisconnectedAsync(string userId, DateTimeOffset at, CancellationToken ct);
    /// <summary>
    /// Keeps lastSeenAt fresh for those of the users who have open connections, in one write however many are
    /// given (a host vouches for all its connected users at once); returns their records after the change. Users
    /// with no connection counted are left out.
    /// </summary>
    Task<IReadOnlyList<PresenceRecord>> HeartbeatAsync(IReadOnlyCollection<string> userIds, DateTimeOffset at, CancellationToken ct);
    Task<IReadOnlyList<PresenceRecord>> GetAsync(IReadOnlyCollection<string> userIds, CancellationToken ct);
    /// <summary>Sets to zero the connections of users not seen since <paramref name="cutoff"/> and returns them: their disconnect events were missed.</summary>
    Task<IReadOnlyList<PresenceRecord>> ExpireAsync(DateTimeOffset cutoff, CancellationToken ct);
}

public interface IStorageHealth
{
    /// <summary>"sqlite" or "mongodb".</summary>
    string Name { get; }
    Task<bool> PingAsync(CancellationToken ct);
}

/// <summary>Creates and migrates the schema and indexes; run once at start.</summary>
public interface IStorageInitializer
{
    Task InitializeAsync(CancellationToken ct);
}

public interface IAttachmentStore
{
    Task InsertAsync(AttachmentRecord attachment, CancellationToken ct);
    Task<AttachmentRecord?> FindByIdAsync(string id, CancellationToken ct);
    Task<IReadOnlyList<AttachmentRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct);
    /// <summary>The attachments of the given messages, oldest first (the order they were uploaded in).</summary>
    Task<IReadOnlyList<AttachmentRecord>> ListForMessagesAsync(IReadOnlyCollection<string> messageIds, CancellationToken ct);
    /// <summary>
    /// Attaches every claimed attachment to the message if each is still pending, unattached and uploaded by
    /// <paramref name="uploaderId"/>; otherwise attaches none and returns false. Two sends racing for one upload:
    /// one wins.
    /// </summary>
    Task<bool> ClaimAsync(string messageId, string uploaderId, IReadOnlyList<AttachmentClaim> claims, CancellationToken ct);
    /// <summary>Undoes the claims of a message that was then not stored: its attachments are pending again.</summary>
    Task ReleaseAsync(string messageId, CancellationToken ct);
    /// <summary>Ends processing (from <see cref="AttachmentState.Processing"/> only); null when it was not processing.</summary>
    Task<AttachmentRecord?> CompleteProcessingAsync(string id, AttachmentState state, int? width, int? height, string? thumbnailKey, CancellationToken ct);
    /// <summary>Removes the attachments of a message and returns what was removed.</summary>
    Task<IReadOnlyList<AttachmentRecord>> DeleteForMessageAsync(string messageId, CancellationToken ct);
    /// <summary>Unattached attachments created before <paramref name="cutoff"/>, oldest first.</summary>
    Task<IReadOnlyList<AttachmentRecord>> ListUnattachedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken ct);
    /// <summary>Removes the attachment if it is still unattached; false when it was attached meanwhile or is gone.</summary>
    Task<bool> DeleteUnattachedAsync(string id, CancellationToken ct);
    /// <summary>Attachments still processing, oldest first (work a stopped process left unfinished).</summary>
    Task<IReadOnlyList<AttachmentRecord>> ListProcessingAsync(int limit, CancellationToken ct);
}
