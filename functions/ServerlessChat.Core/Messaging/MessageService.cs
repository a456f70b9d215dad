using MongoDB.Bson;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

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
    ChatDirectory directory,
    IEnumerable<IMessageStoredListener> listeners,
    TimeProvider time)
{
    public const int MaxConversations = 100;

    public async Task<Outcome<(MessageDto Message, bool Created)>> SendAsync(string callerId, SendMessageRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("receiverId", request.ReceiverId, "groupId", request.GroupId);
        var receiverId = rules.Id("receiverId", request.ReceiverId, required: false);
        var groupId = rules.Id("groupId", request.GroupId, required: false);
        var content = rules.Content("content", request.Content);
        var clientMessageId = rules.ClientMessageId("clientMessageId", request.ClientMessageId);
        if (receiverId == callerId)
        {
            rules.Add("receiverId", "A user cannot message itself.");
        }

        rules.ThrowIfAny();

        var conversation = await ResolveAsync(callerId, receiverId, groupId, ct);
        var (stored, created, change) = await messages.InsertAsync(
            new MessageRecord(ObjectId.GenerateNewId().ToString(), conversation.Id, callerId, receiverId, groupId, content!, time.GetStoredNow(), null, false, clientMessageId),
            ct);

        // Also on a repeat: if the first attempt stopped between the two writes, this completes it.
        await conversations.TouchAsync(new ConversationRecord(conversation.Id, conversation.Participants, groupId, stored.Id, stored.CreatedAt), ct);

        if (!created)
        {
            // A repeat answers with the stored message as it stands now, read state included.
            var markers = await conversations.GetReadMarkersAsync(conversation.Id, ct);
            return new((MessageDto.From(stored, IsRead(stored, markers, conversation.Participants)), false), []);
        }

        // Nobody can have read a message that did not exist a moment ago: no read-marker query on the hot path.
        var dto = MessageDto.From(stored, isRead: false) with { Cursor = SyncCursor.ForChangeOrNull(change) };

        foreach (var listener in listeners)
        {
            await listener.OnMessageStoredAsync(stored, ct);
        }

        return new((dto, true), ToAudience(stored, ChatHub.NewMessage, dto));
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
        var items = page.Take(limit).Select(m => MessageDto.From(m, IsRead(m, markers, conversation.Participants))).ToList();
        return new MessagePageDto(items, page.Count > limit ? items[^1].Id : null);
    }

    public async Task<Outcome<MessageDto>> EditAsync(string callerId, string id, EditMessageRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var content = rules.Content("content", request.Content);
        rules.ThrowIfAny();

        var message = await FindOwnAsync(callerId, id, ct);
        if (message.Deleted)
        {
            throw ProblemException.Conflict("A deleted message cannot be edited.");
        }

        var (updated, change) = await messages.UpdateContentAsync(id, content!, time.GetStoredNow(), ct) ?? throw ProblemException.NotFound("No such message.");
        var dto = await ToDtoAsync(updated, ct) with { Cursor = SyncCursor.ForChangeOrNull(change) };
        return new(dto, ToAudience(updated, ChatHub.MessageUpdated, dto));
    }

    public async Task<Outcome<bool>> DeleteAsync(string callerId, string id, CancellationToken ct)
    {
        var message = await FindOwnAsync(callerId, id, ct);
        if (message.Deleted)
        {
            return new(true, []);
        }

        var (deleted, change) = await messages.MarkDeletedAsync(id, time.GetStoredNow(), ct) ?? throw ProblemException.NotFound("No such message.");
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
        foreach (var record in records)
        {
            var markers = await conversations.GetReadMarkersAsync(record.ConversationId, ct);
            markers.TryGetValue(callerId, out var ownMarker);
            var unread = await messages.CountUnreadAsync(record.ConversationId, callerId, ownMarker, ct);
            var last = await messages.FindByIdAsync(record.LastMessageId, ct);

            if (record.GroupId is not null && groupsById.TryGetValue(record.GroupId, out var group))
            {
                items.Add(new ConversationDto(record.ConversationId, "group", null, GroupDto.From(group),
                    last is null ? null : MessageDto.From(last, IsRead(last, markers, group.Members)), unread, record.UpdatedAt));
            }
            else if (record.GroupId is null)
            {
                var peerId = record.Participants.First(p => p != callerId);
                var peer = await directory.GetUserAsync(peerId, ct);
                items.Add(new ConversationDto(record.ConversationId, "direct", peer is null ? null : UserDto.From(peer), null,
                    last is null ? null : MessageDto.From(last, IsRead(last, markers, record.Participants)), unread, record.UpdatedAt));
            }
        }

        return new ItemsDto<ConversationDto>(items);
    }

    /// <summary>
    /// The conversation the caller addresses, if the caller may see it: a direct conversation with an existing
    /// user, or a group it is a member of. Anything else is 404, so ids of others' groups reveal nothing.
    /// </summary>
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

    /// <summary>A message the caller can see and sent itself: 404 when it cannot see it, 403 when it is someone else's.</summary>
    private async Task<MessageRecord> FindOwnAsync(string callerId, string id, CancellationToken ct)
    {
        var message = (InputRules.IsId(id) ? await messages.FindByIdAsync(id, ct) : null) ?? throw ProblemException.NotFound("No such message.");
        if (!await CanSeeAsync(callerId, message, ct))
        {
            throw ProblemException.NotFound("No such message.");
        }

        return message.SenderId == callerId ? message : throw ProblemException.Forbidden("Only the sender can change a message.");
    }

    private async Task<bool> CanSeeAsync(string callerId, MessageRecord message, CancellationToken ct) =>
        message.GroupId is not null
            ? await directory.GetGroupForMemberAsync(message.GroupId, callerId, ct) is not null
            : message.SenderId == callerId || message.ReceiverId == callerId;

    private async Task<MessageDto> ToDtoAsync(MessageRecord message, CancellationToken ct)
    {
        var participants = message.GroupId is not null
            ? (await directory.GetGroupAsync(message.GroupId, ct))?.Members ?? []
            : [message.SenderId, message.ReceiverId!];
        var markers = await conversations.GetReadMarkersAsync(message.ConversationId, ct);
        return (await BuildDtosAsync([message], markers, participants, ct))[0];
    }

    /// <summary>
    /// The API shape of messages of one conversation, given its read markers and participants: the one place
    /// that turns stored messages into <see cref="MessageDto"/> for events and sync.
    /// </summary>
    public Task<IReadOnlyList<MessageDto>> BuildDtosAsync(
        IReadOnlyList<MessageRecord> records, IReadOnlyDictionary<string, string> markers, IReadOnlyList<string> participants, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        IReadOnlyList<MessageDto> dtos = records.Select(m => MessageDto.From(m, IsRead(m, markers, participants))).ToList();
        return Task.FromResult(dtos);
    }

    /// <summary>Read once every participant but the sender has a read marker at or past the message.</summary>
    private static bool IsRead(MessageRecord message, IReadOnlyDictionary<string, string> markers, IReadOnlyList<string> participants)
    {
        var others = 0;
        foreach (var participant in participants)
        {
            if (participant == message.SenderId)
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
    private static RealtimeAction[] ToAudience(MessageRecord message, string target, object payload) =>
        message.GroupId is not null
            ? [new SendToGroup(ChatHub.GroupFor(message.GroupId), target, payload)]
            : [new SendToUser(message.ReceiverId!, target, payload), new SendToUser(message.SenderId, target, payload)];
}
