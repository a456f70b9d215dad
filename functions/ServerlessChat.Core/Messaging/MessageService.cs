using MongoDB.Bson;
using System.Globalization;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Groups;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Telemetry;
using ServerlessChat.Core.Sync;
using ServerlessChat.Core.Threads;

namespace ServerlessChat.Core.Messaging;

/// <summary>Told about every newly stored message, after it is stored (the assistant listens here).</summary>
public interface IMessageStoredListener
{
    Task OnMessageStoredAsync(MessageRecord message, CancellationToken ct);
}

public sealed class MessageService(
    IMessageStore messages,
    IConversationStore conversations,
    IGroupStore groups,
    IReactionStore reactions,
    IChangeLog changes,
    ChatDirectory directory,
    AttachmentService attachments,
    BlockDirectory blocks,
    ContentFilter filter,
    MessagePolicies policies,
    IEnumerable<IMessageStoredListener> listeners,
    IEnumerable<IMessageEnrichment> enrichments,
    ThreadRoots threads,
    TimeProvider time)
{
    public const int MaxConversations = 100;

    /// <summary>User-perceived characters (text elements) of a reply's preview of the message it answers.</summary>
    public const int ReplyPreviewLength = 120;

    public async Task<Outcome<(MessageDto Message, bool Created)>> SendAsync(string callerId, SendMessageRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("receiverId", request.ReceiverId, "groupId", request.GroupId);
        var receiverId = rules.Id("receiverId", request.ReceiverId, required: false);
        var groupId = rules.Id("groupId", request.GroupId, required: false);
        var attachmentIds = AttachmentService.Ids(rules, request.AttachmentIds);
        var content = filter.Apply(rules, "content", rules.Content("content", request.Content, allowEmpty: request.AttachmentIds is { Count: > 0 }));
        var clientMessageId = rules.ClientMessageId("clientMessageId", request.ClientMessageId);
        var replyToId = rules.Id("replyToId", request.ReplyToId, required: false);
        var threadId = rules.Id("threadId", request.ThreadId, required: false);
        if (request.AlsoInConversation is not null && threadId is null)
        {
            rules.Add("alsoInConversation", "Only a thread reply (threadId) may also be in the conversation.");
        }
        if (receiverId == callerId)
        {
            rules.Add("receiverId", "A user cannot message itself.");
        }

        rules.ThrowIfAny();

        var conversation = await ResolveAsync(callerId, receiverId, groupId, ct);
        // The conversation stays readable for the peer of an erased user, but nobody writes to it any more.
        if (receiverId is not null && (await directory.GetUserAsync(receiverId, ct))?.IsErased == true)
        {
            throw ProblemException.NotFound("No such user.");
        }

        if (groupId is not null && await directory.GetGroupAsync(groupId, ct) is { } group)
        {
            GroupSendPolicy.Check(group, callerId, time.GetUtcNow());
        }

        if (receiverId is not null && await blocks.IsBlockedAsync(receiverId, callerId, ct))
        {
            throw ProblemException.Forbidden("This user does not accept your messages.");
        }

        MessageRecord? repliedTo = null;
        if (replyToId is not null)
        {
            // The conversation is one the caller can read, so a message outside it is one it cannot answer here,
            // whether or not it could see it elsewhere: the same 400 either way reveals nothing.
            repliedTo = await messages.FindByIdAsync(replyToId, ct);
            if (repliedTo is null || repliedTo.ConversationId != conversation.Id)
            {
                rules.Add("replyToId", "Reply to a message of the same conversation.");
                rules.ThrowIfAny();
            }
        }

        var threadRoot = await threads.ResolveAsync(rules, threadId, conversation.Id, ct);
        content = await policies.ApplyAsync(new MessageDraft(callerId, conversation.Id, content!, attachmentIds, threadRoot?.Id), ct);
        IReadOnlyList<string> mentions = groupId is null ? [] : await FindMentionsAsync(content, conversation.Participants, callerId, ct);

        var check = attachmentIds.Count > 0 ? await attachments.CheckAsync(callerId, attachmentIds, clientMessageId, ct) : null;
        if (check?.RepeatOfMessageId is { } repeatOf)
        {
            return await RepeatAsync(callerId, repeatOf, clientMessageId!, conversation, ct);
        }

        var claims = check?.Claims ?? [];
        var messageId = ObjectId.GenerateNewId().ToString();
        if (claims.Count > 0)
        {
            await attachments.ClaimAsync(messageId, callerId, claims, ct);
        }

        MessageRecord stored;
        bool created;
        ChangeRecord? change;
        try
        {
            (stored, created, change) = await ChatTelemetry.StoreAsync("messages.insert", () => messages.InsertAsync(
                new MessageRecord(messageId, conversation.Id, callerId, receiverId, groupId, content!, time.GetStoredNow(), null, false, clientMessageId,
                    replyToId, mentions) { ThreadId = threadRoot?.Id, InConversation = threadRoot is null || request.AlsoInConversation == true },
                ct));
        }
        catch when (claims.Count > 0)
        {
            await attachments.ReleaseAsync(messageId);
            throw;
        }

        if (!created && claims.Count > 0)
        {
            // The repeat names other uploads than the stored message: they stay free for another message.
            await attachments.ReleaseAsync(messageId);
        }

        if (!created)
        {
            return await RepeatedAsync(stored, change, conversation.Participants, ct);
        }

        await attachments.CompleteSendAsync(claims, ct);
        ChatTelemetry.MessagesSent.Add(1, new KeyValuePair<string, object?>("chat.conversation.type", groupId is null ? "direct" : "group"));

        // Nobody can have read a message that did not exist a moment ago, nor reacted to it: no read-marker or
        // reaction query on the hot path.
        var dto = (await ToDtosAsync([stored], _ => false, ct, mayHaveAttachments: claims.Count > 0, mayHaveReactions: false, repliedTo: repliedTo))[0] with { Cursor = SyncCursor.ForChangeOrNull(change) };

        foreach (var listener in listeners)
        {
            await listener.OnMessageStoredAsync(stored, ct);
        }

        // A reply's root has new counts: the conversation hears them as the root's messageUpdated, after the reply.
        var rootUpdated = stored.ThreadId is null ? null : await AnnounceUpdatedAsync(stored.ThreadId, ct);
        return new((dto, true), [.. ToAudience(stored, ChatHub.NewMessage, dto), .. rootUpdated ?? []]);
    }

    public async Task<MessagePageDto> GetHistoryAsync(string callerId, string? with, string? groupId, string? before, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("with", with, "groupId", groupId);
        var peerId = rules.Id("with", with, required: false);
        var group = rules.Id("groupId", groupId, required: false);
        var beforeId = rules.Id("before", before, required: false);
        var limit = rules.Limit("limit", limitText, 50, 100);
        rules.ThrowIfAny();

        var conversation = await ResolveAsync(callerId, peerId, group, ct);
        var page = await messages.GetPageAsync(conversation.Id, beforeId, limit + 1, ct);
        var markers = await conversations.GetReadMarkersAsync(conversation.Id, ct);
        var items = await ToDtosAsync(page.Take(limit).ToList(), m => IsRead(m, markers, conversation.Participants), ct);
        return new MessagePageDto(items, page.Count > limit ? items[^1].Id : null);
    }

    /// <summary>Deletes a message: its sender, or an admin of its group.</summary>
    public async Task<Outcome<bool>> DeleteAsync(string callerId, string id, CancellationToken ct)
    {
        var message = await FindVisibleAsync(callerId, id, ct);
        // A system message is stored under the user who acted, but it is nobody's to take back: only a group's admins delete one.
        if ((message.SenderId != callerId || message.System is not null) && (message.GroupId is null || (await directory.GetGroupAsync(message.GroupId, ct))?.Admins.Contains(callerId) != true))
        {
            throw ProblemException.Forbidden("Only the sender or an admin of its group can delete a message.");
        }

        return await DeleteAsync(message, ct);
    }

    /// <summary>A moderator's removal: any message, whoever sent it; 404 for none. Idempotent.</summary>
    public async Task<Outcome<bool>> DeleteByModerationAsync(string id, CancellationToken ct)
    {
        var message = (InputRules.IsId(id) ? await messages.FindByIdAsync(id, ct) : null) ?? throw ProblemException.NotFound("No such message.");
        return await DeleteAsync(message, ct, deletedBy: "moderation");
    }

    /// <summary>An account erasure deletes the user's message as its sender would (no visibility check: it may have left). Idempotent.</summary>
    public Task<Outcome<bool>> DeleteForErasureAsync(MessageRecord message, CancellationToken ct) => DeleteAsync(message, ct);

    private async Task<Outcome<bool>> DeleteAsync(MessageRecord message, CancellationToken ct, string? deletedBy = null)
    {
        var id = message.Id;
        if (message.Deleted)
        {
            return new(true, []);
        }

        var (deleted, change) = await messages.MarkDeletedAsync(id, time.GetStoredNow(), ct, deletedBy) ?? throw ProblemException.NotFound("No such message.");
        await attachments.DeleteForMessageAsync(deleted.Id, ct);
        return new(true, ToAudience(deleted, ChatHub.MessageDeleted, new MessageDeletedDto(deleted.Id, deleted.ConversationId, SyncCursor.ForChange(change))));
    }

    public async Task<Outcome<ReadStateDto>> MarkReadAsync(string callerId, MarkReadRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("with", request.With, "groupId", request.GroupId);
        var peerId = rules.Id("with", request.With, required: false);
        var groupId = rules.Id("groupId", request.GroupId, required: false);
        var upTo = rules.Id("upTo", request.UpTo);
        rules.ThrowIfAny();

        var conversation = await ResolveAsync(callerId, peerId, groupId, ct);
        var message = await messages.FindByIdAsync(upTo!, ct);
        if (message is null || message.ConversationId != conversation.Id)
        {
            throw ProblemException.NotFound("No such message in this conversation.");
        }

        var (marker, change) = await conversations.AdvanceReadMarkerAsync(conversation.Id, callerId, upTo!, ct);
        var unread = await messages.CountUnreadAsync(conversation.Id, callerId, marker, ct);
        var read = new MessagesReadDto(conversation.Id, callerId, marker, SyncCursor.ForChangeOrNull(change));
        RealtimeAction[] actions = groupId is not null
            ? [new SendToGroup(ChatHub.GroupFor(groupId), ChatHub.MessagesRead, read)]
            : [new SendToUser(peerId!, ChatHub.MessagesRead, read), new SendToUser(callerId, ChatHub.MessagesRead, read)];
        return new(new ReadStateDto(conversation.Id, marker, unread), actions);
    }

    public async Task<ItemsDto<ConversationDto>> ListConversationsAsync(string callerId, CancellationToken ct)
    {
        var memberOf = await groups.ListForMemberAsync(callerId, ct);
        var groupsById = memberOf.ToDictionary(g => g.Id);
        var records = await conversations.ListAsync(callerId, groupsById.Keys, MaxConversations, ct);

        var items = new List<ConversationDto>(records.Count);
        var lastMessages = new List<(int Index, MessageRecord Message, bool IsRead)>(records.Count);
        foreach (var record in records)
        {
            var markers = await conversations.GetReadMarkersAsync(record.ConversationId, ct);
            markers.TryGetValue(callerId, out var ownMarker);
            var unread = await messages.CountUnreadAsync(record.ConversationId, callerId, ownMarker, ct);
            var last = await messages.FindByIdAsync(record.LastMessageId, ct);

            if (record.GroupId is not null && groupsById.TryGetValue(record.GroupId, out var group))
            {
                // Direct messages mention nobody, so only groups are counted.
                var mentions = unread == 0 ? 0 : await messages.CountUnreadMentionsAsync(record.ConversationId, callerId, ownMarker, ct);
                if (last is not null)
                {
                    lastMessages.Add((items.Count, last, IsRead(last, markers, group.Members)));
                }

                items.Add(new ConversationDto(record.ConversationId, "group", null, GroupDto.From(group), null, unread, mentions, record.UpdatedAt));
            }
            else if (record.GroupId is null)
            {
                var peerId = record.Participants.First(p => p != callerId);
                var peer = await directory.GetUserAsync(peerId, ct);
                if (last is not null)
                {
                    lastMessages.Add((items.Count, last, IsRead(last, markers, record.Participants)));
                }

                items.Add(new ConversationDto(record.ConversationId, "direct", peer is null ? null : UserDto.From(peer), null, null, unread, 0, record.UpdatedAt));
            }
        }

        // The last messages as full Messages, enriched for all conversations at once.
        var read = lastMessages.ToDictionary(l => l.Message.Id, l => l.IsRead, StringComparer.Ordinal);
        var dtos = await ToDtosAsync(lastMessages.Select(l => l.Message).ToList(), m => read[m.Id], ct);
        for (var i = 0; i < lastMessages.Count; i++)
        {
            items[lastMessages[i].Index] = items[lastMessages[i].Index] with { LastMessage = dtos[i] };
        }

        return new ItemsDto<ConversationDto>(items);
    }

    /// <summary>
    /// The conversation the caller addresses, if the caller may see it: a direct conversation with an existing
    /// user, or a group it is a member of. Anything else is 404, so ids of others' groups reveal nothing.
    /// </summary>
    public Task<(string Id, IReadOnlyList<string> Participants)> ResolveConversationAsync(string callerId, string? peerId, string? groupId, CancellationToken ct) =>
        ResolveAsync(callerId, peerId, groupId, ct);

    private async Task<(string Id, IReadOnlyList<string> Participants)> ResolveAsync(string callerId, string? peerId, string? groupId, CancellationToken ct)
    {
        if (groupId is not null)
        {
            var group = await directory.GetGroupForMemberAsync(groupId, callerId, ct) ?? throw ProblemException.NotFound("No such group.");
            return (ConversationIds.Group(group.Id), group.Members);
        }

        var peer = await directory.GetUserAsync(peerId!, ct) ?? throw ProblemException.NotFound("No such user.");
        return (ConversationIds.Direct(callerId, peer.Id), [callerId, peer.Id]);
    }

    /// <summary>Whether the caller can see the message (an attachment's download rights follow from it).</summary>
    public async Task<bool> CanSeeAsync(string callerId, string messageId, CancellationToken ct) =>
        await messages.FindByIdAsync(messageId, ct) is { } message && await CanSeeAsync(callerId, message, ct);

    /// <summary>
    /// <c>messageUpdated</c> with the message as it now is, for a change made outside a request (an image
    /// processed), recorded in the change log so that a client offline meanwhile gets it from sync; null when
    /// the message is gone or deleted.
    /// </summary>
    /// <remarks>
    /// The change is appended after the attachment's own write: a process stopping in between leaves the
    /// thumbnail out of sync until the conversation is loaded again, never a change pointing at nothing.
    /// </remarks>
    public async Task<IReadOnlyList<RealtimeAction>?> AnnounceUpdatedAsync(string messageId, CancellationToken ct)
    {
        if (await messages.FindByIdAsync(messageId, ct) is not { Deleted: false } message)
        {
            return null;
        }
        var change = await ChatTelemetry.StoreAsync("changes.append", () => changes.AppendAsync(message.ConversationId, ChatHub.MessageUpdated, message.Id, ct));
        // Read again after the change is recorded: of two racing updates (thread replies), the later cursor never
        // carries the older state.
        message = await messages.FindByIdAsync(messageId, ct) ?? message;
        var dto = await ToDtoAsync(message, ct) with { Cursor = SyncCursor.ForChange(change) };
        return ToAudience(message, ChatHub.MessageUpdated, dto);
    }

    /// <summary>A message the caller can see; 404 for one it cannot, so ids of others' messages reveal nothing.</summary>
    public async Task<MessageRecord> FindVisibleAsync(string callerId, string id, CancellationToken ct)
    {
        var message = (InputRules.IsId(id) ? await messages.FindByIdAsync(id, ct) : null) ?? throw ProblemException.NotFound("No such message.");
        return await CanSeeAsync(callerId, message, ct) ? message : throw ProblemException.NotFound("No such message.");
    }

    private async Task<bool> CanSeeAsync(string callerId, MessageRecord message, CancellationToken ct) =>
        message.GroupId is not null
            ? await directory.GetGroupForMemberAsync(message.GroupId, callerId, ct) is not null
            : message.SenderId == callerId || message.ReceiverId == callerId;

    /// <summary>One message as the API shows it now: read state, replyTo and reactions.</summary>
    public async Task<MessageDto> ToDtoAsync(MessageRecord message, CancellationToken ct)
    {
        var participants = message.GroupId is not null
            ? (await directory.GetGroupAsync(message.GroupId, ct))?.Members ?? []
            : [message.SenderId, message.ReceiverId!];
        var markers = await conversations.GetReadMarkersAsync(message.ConversationId, ct);
        return (await ToDtosAsync([message], m => IsRead(m, markers, participants), ct))[0];
    }

    /// <summary>
    /// The one place records become Messages: each enrichment is one store query for the whole list (the
    /// attachments, the replied-to messages, the reactions), whatever its length. A send passes the message it
    /// answers, read a moment ago, as <paramref name="repliedTo"/> instead of reading it again.
    /// </summary>
    public async Task<List<MessageDto>> ToDtosAsync(
        IReadOnlyList<MessageRecord> records, Func<MessageRecord, bool> isRead, CancellationToken ct, bool mayHaveAttachments = true, bool mayHaveReactions = true,
        MessageRecord? repliedTo = null)
    {
        if (records.Count == 0)
        {
            return [];
        }

        var replyIds = records.Where(r => r.ReplyToId is not null && r.ReplyToId != repliedTo?.Id).Select(r => r.ReplyToId!).Distinct(StringComparer.Ordinal).ToList();
        var replied = replyIds.Count == 0
            ? new Dictionary<string, MessageRecord>(StringComparer.Ordinal)
            : (await messages.FindByIdsAsync(replyIds, ct)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        if (repliedTo is not null)
        {
            replied[repliedTo.Id] = repliedTo;
        }

        var attachmentsByMessage = mayHaveAttachments
            ? await attachments.ForMessagesAsync(records.Select(m => m.Id).ToList(), ct)
            : new Dictionary<string, IReadOnlyList<AttachmentDto>>();

        var live = mayHaveReactions ? records.Where(r => !r.Deleted).ToList() : [];
        var reactionsByMessage = live.Count == 0
            ? Array.Empty<ReactionRecord>().ToLookup(r => r.MessageId, StringComparer.Ordinal)
            : (await reactions.ListAsync(live.Select(r => r.ConversationId).Distinct(StringComparer.Ordinal).ToList(), live.Select(r => r.Id).ToList(), ct))
                .ToLookup(r => r.MessageId, StringComparer.Ordinal);

        var dtos = records.Select(r => MessageDto.From(r, isRead(r)) with
        {
            Attachments = attachmentsByMessage.GetValueOrDefault(r.Id) ?? [],
            ReplyTo = r.ReplyToId is null ? null : replied.TryGetValue(r.ReplyToId, out var original) ? ReplyTo(original) : new ReplyToDto(r.ReplyToId, "", "", true),
            Reactions = r.Deleted ? [] : Summarize(reactionsByMessage[r.Id]),
        }).ToList();

        // A message stored a moment ago has nothing any feature added since (the send says so with mayHaveReactions).
        if (mayHaveReactions)
        {
            foreach (var enrichment in enrichments)
            {
                var apply = await enrichment.LoadAsync(records, ct);
                for (var i = 0; i < dtos.Count; i++)
                {
                    dtos[i] = apply(dtos[i]);
                }
            }
        }

        return dtos;
    }

    /// <summary>Emoji in the order of their first reaction, each with its users in the order they reacted.</summary>
    public static IReadOnlyList<ReactionDto> Summarize(IEnumerable<ReactionRecord> reactionsOfOneMessage) =>
        reactionsOfOneMessage
            .OrderBy(r => r.Sequence)
            .GroupBy(r => r.Emoji, StringComparer.Ordinal)
            .Select(g => new ReactionDto(g.Key, g.Count(), g.Select(r => r.UserId).ToList()))
            .ToList();

    private static ReplyToDto ReplyTo(MessageRecord original) =>
        new(original.Id, original.SenderId, original.Deleted ? "" : Preview(original.Content), original.Deleted);

    /// <summary>The first <see cref="ReplyPreviewLength"/> text elements: an emoji sequence or a letter with its marks is never cut.</summary>
    public static string Preview(string content)
    {
        var enumerator = StringInfo.GetTextElementEnumerator(content);
        var count = 0;
        while (enumerator.MoveNext())
        {
            if (++count > ReplyPreviewLength)
            {
                return content[..enumerator.ElementIndex];
            }
        }

        return content;
    }

    /// <summary>The members named with @ in a group message's text (see <see cref="MentionParser"/>).</summary>
    public async Task<IReadOnlyList<string>> FindMentionsAsync(string content, IReadOnlyList<string> members, string senderId, CancellationToken ct)
    {
        if (!content.Contains('@'))
        {
            return [];
        }

        var named = (await directory.GetUsersAsync(members, ct)).Where(u => !u.IsErased).Select(u => (u.Id, u.Username)).ToList();
        return MentionParser.Find(content, named, senderId);
    }

    /// <summary>A send repeated with its clientMessageId whose uploads that message carries already: 200 with it, nothing stored.</summary>
    private async Task<Outcome<(MessageDto Message, bool Created)>> RepeatAsync(
        string callerId, string messageId, string clientMessageId, (string Id, IReadOnlyList<string> Participants) conversation, CancellationToken ct)
    {
        var stored = await messages.FindByIdAsync(messageId, ct);
        if (stored is null || stored.SenderId != callerId || stored.ClientMessageId != clientMessageId || stored.ConversationId != conversation.Id)
        {
            throw ProblemException.Validation(AttachmentService.Field, "An attachment is attached to another message already.");
        }
        // Stored again under a new id, it is the repeat the store recognises: the stored message and its change.
        var (again, _, change) = await messages.InsertAsync(stored with { Id = ObjectId.GenerateNewId().ToString() }, ct);
        return await RepeatedAsync(again, change, conversation.Participants, ct);
    }

    /// <summary>
    /// A repeated send answers with the stored message as it stands now, read state included, and publishes it
    /// again under the cursor of the change that stored it: the first attempt may have stopped between storing and
    /// publishing (a host that died, a request cut off), and its recipients, live, would otherwise never hear of it.
    /// Clients skip it by that cursor when they had it.
    /// </summary>
    private async Task<Outcome<(MessageDto Message, bool Created)>> RepeatedAsync(
        MessageRecord stored, ChangeRecord? change, IReadOnlyList<string> participants, CancellationToken ct)
    {
        var markers = await conversations.GetReadMarkersAsync(stored.ConversationId, ct);
        var dto = (await ToDtosAsync([stored], m => IsRead(m, markers, participants), ct))[0];
        if (change is null)
        {
            return new((dto, false), []);
        }
        dto = dto with { Cursor = SyncCursor.ForChange(change) };
        return new((dto, false), ToAudience(stored, ChatHub.NewMessage, dto));
    }

    /// <summary>
    /// The API shape of messages of any conversations, given each conversation's read markers and participants,
    /// for sync; built by <see cref="ToDtosAsync"/> like every other Message, in one batch.
    /// </summary>
    public async Task<IReadOnlyList<MessageDto>> BuildDtosAsync(
        IReadOnlyList<MessageRecord> records,
        Func<string, (IReadOnlyDictionary<string, string> Markers, IReadOnlyList<string> Participants)> conversationOf,
        CancellationToken ct) =>
        await ToDtosAsync(records, m => conversationOf(m.ConversationId) is var (markers, participants) && IsRead(m, markers, participants), ct);

    /// <summary>
    /// Read once every participant but the sender has a read marker at or past the message. A system message is
    /// sent by <c>system</c>, whoever acted: every participant reads it.
    /// </summary>
    private static bool IsRead(MessageRecord message, IReadOnlyDictionary<string, string> markers, IReadOnlyList<string> participants)
    {
        var others = 0;
        foreach (var participant in participants)
        {
            if (participant == message.SenderId && message.System is null)
            {
                continue;
            }

            others++;
            if (!markers.TryGetValue(participant, out var marker) || string.CompareOrdinal(marker, message.Id) < 0)
            {
                return false;
            }
        }

        return others > 0;
    }

    /// <summary>Who hears about a message: the group, or the receiver and the sender's other connections.</summary>
    public static RealtimeAction[] ToAudience(MessageRecord message, string target, object payload) =>
        message.GroupId is not null
            ? [new SendToGroup(ChatHub.GroupFor(message.GroupId), target, payload)]
            : [new SendToUser(message.ReceiverId!, target, payload), new SendToUser(message.SenderId, target, payload)];
}
