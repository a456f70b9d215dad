using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Reactions;

/// <summary>Emoji reactions: anyone who can see a message may react; everyone in its conversation hears of it.</summary>
public sealed class ReactionService(MessageService messages, IReactionStore reactions)
{
    public const int MaxDistinctEmoji = 20;

    public async Task<Outcome<MessageDto>> AddAsync(string callerId, string messageId, ReactRequest request, CancellationToken ct)
    {
        var emoji = ValidEmoji(request.Emoji);
        var message = await VisibleLiveMessageAsync(callerId, messageId, ct);
        return await AnswerAsync(message, await reactions.AddAsync(message.ConversationId, message.Id, emoji, callerId, MaxDistinctEmoji, ct), ct);
    }

    public async Task<Outcome<MessageDto>> RemoveAsync(string callerId, string messageId, string? emoji, CancellationToken ct)
    {
        var valid = ValidEmoji(emoji);
        var message = await VisibleLiveMessageAsync(callerId, messageId, ct);
        return await AnswerAsync(message, await reactions.RemoveAsync(message.ConversationId, message.Id, valid, callerId, ct), ct);
    }

    /// <summary>Takes back one reaction of the user on the message, with no visibility check (an account erasure).</summary>
    public async Task<Outcome<MessageDto>> RemoveForErasureAsync(MessageRecord message, string emoji, string userId, CancellationToken ct) =>
        await AnswerAsync(message, await reactions.RemoveAsync(message.ConversationId, message.Id, emoji, userId, ct), ct);

    private async Task<MessageRecord> VisibleLiveMessageAsync(string callerId, string messageId, CancellationToken ct)
    {
        var message = await messages.FindVisibleAsync(callerId, messageId, ct);
        return message.Deleted ? throw ProblemException.Conflict("A deleted message takes no reactions.") : message;
    }

    private async Task<Outcome<MessageDto>> AnswerAsync(MessageRecord message, (ReactionChange Outcome, ChangeRecord? Change) result, CancellationToken ct)
    {
        switch (result.Outcome)
        {
            case ReactionChange.NoMessage:
                throw ProblemException.NotFound("No such message.");
            case ReactionChange.MessageDeleted:
                throw ProblemException.Conflict("A deleted message takes no reactions.");
            case ReactionChange.TooManyEmoji:
                throw ProblemException.Conflict($"A message takes at most {MaxDistinctEmoji} different emoji.");
        }

        var dto = await messages.ToDtoAsync(message, ct);
        if (result.Change is not { } change)
        {
            return new(dto, []);
        }

        var updated = new ReactionsUpdatedDto(dto.Id, dto.ConversationId, dto.Reactions, SyncCursor.ForChange(change));
        return new(dto, MessageService.ToAudience(message, ChatHub.ReactionsUpdated, updated));
    }

    /// <summary>One fully-qualified emoji of Unicode's data; the length is bounded before the lookup.</summary>
    private static string ValidEmoji(string? emoji)
    {
        if (emoji is null || emoji.Length == 0)
        {
            throw ProblemException.Validation("emoji", "This field is required.");
        }

        if (!EmojiCatalog.IsEmoji(emoji))
        {
            throw ProblemException.Validation("emoji", "Give one fully-qualified emoji of Unicode's emoji data.");
        }

        return emoji;
    }
}
