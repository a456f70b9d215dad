using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Pins;

/// <summary>
/// Pinned messages: either side of a direct conversation may pin, only admins in a group; at most
/// <see cref="MaxPerConversation"/> per conversation. A pin or unpin reaches the conversation as
/// <c>messageUpdated</c> (with <c>pinnedAt</c>/<c>pinnedBy</c>) and through sync.
/// </summary>
public sealed class PinService(MessageService messages, IPinStore pins, IMessageStore store, IConversationStore conversations, ChatDirectory directory,
    ConversationAccess access, TimeProvider time)
{
    public const int MaxPerConversation = 50;

    public async Task<Outcome<MessageDto>> PinAsync(string callerId, string messageId, CancellationToken ct)
    {
        var message = await PinnableAsync(callerId, messageId, ct);
        var (outcome, change) = await pins.PinAsync(new PinRecord(message.ConversationId, message.Id, callerId, time.GetStoredNow()), MaxPerConversation, ct);
        return await AnswerAsync(message, outcome, change, ct);
    }

    public async Task<Outcome<MessageDto>> UnpinAsync(string callerId, string messageId, CancellationToken ct)
    {
        var message = await PinnableAsync(callerId, messageId, ct);
        var (outcome, change) = await pins.UnpinAsync(message.ConversationId, message.Id, ct);
        return await AnswerAsync(message, outcome, change, ct);
    }

    /// <summary>The conversation's pinned messages, latest pin first; 404 for a conversation the caller cannot see.</summary>
    public async Task<ItemsDto<MessageDto>> ListAsync(string callerId, string conversationId, CancellationToken ct)
    {
        var participants = await access.VisibleParticipantsAsync(callerId, conversationId, ct) ?? throw ProblemException.NotFound("No such conversation.");
        var pinned = await pins.ListAsync(conversationId, ct);
        if (pinned.Count == 0)
        {
            return new([]);
        }

        var records = await store.FindByIdsAsync(conversationId, pinned.Select(p => p.MessageId).ToList(), ct);
        var markers = await conversations.GetReadMarkersAsync(conversationId, ct);
        var dtos = (await messages.BuildDtosAsync(records, _ => (markers, participants), ct)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        return new(pinned.Where(p => dtos.ContainsKey(p.MessageId)).Select(p => dtos[p.MessageId]).ToList());
    }

    /// <summary>A live message the caller can see and may pin: 404 when it cannot see it, 403 when it may not pin, 409 when deleted.</summary>
    private async Task<MessageRecord> PinnableAsync(string callerId, string messageId, CancellationToken ct)
    {
        var message = await messages.FindVisibleAsync(callerId, messageId, ct);
        if (message.GroupId is not null && (await directory.GetGroupAsync(message.GroupId, ct))?.Admins.Contains(callerId) != true)
        {
            throw ProblemException.Forbidden("Only group admins can pin messages in a group.");
        }

        return message.Deleted ? throw ProblemException.Conflict("A deleted message cannot be pinned.") : message;
    }

    private async Task<Outcome<MessageDto>> AnswerAsync(MessageRecord message, PinChange outcome, ChangeRecord? change, CancellationToken ct)
    {
        switch (outcome)
        {
            case PinChange.NoMessage:
                throw ProblemException.NotFound("No such message.");
            case PinChange.MessageDeleted:
                throw ProblemException.Conflict("A deleted message cannot be pinned.");
            case PinChange.Full:
                throw ProblemException.Conflict($"A conversation has at most {MaxPerConversation} pinned messages; unpin one first.");
        }

        var dto = await messages.ToDtoAsync(message, ct);
        if (change is null)
        {
            return new(dto, []);
        }

        dto = dto with { Cursor = SyncCursor.ForChange(change) };
        return new(dto, MessageService.ToAudience(message, ChatHub.MessageUpdated, dto));
    }
}
