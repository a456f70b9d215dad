using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI.Chat;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Assistant;

/// <summary>
/// Answers one <see cref="AssistantJob"/>: the model's reply (or a short apology) stored as a direct message from
/// the assistant and pushed as newMessage. Both hosts' queue consumers call <see cref="HandleAsync"/>; it is safe to
/// run twice for the same job (queues deliver at least once).
/// </summary>
public sealed partial class AssistantResponder(
    AssistantAccount account,
    AssistantModel model,
    IMessageStore messages,
    MessageService messageService,
    IRateLimitCounterStore counters,
    IRealtimePublisher realtime,
    IOptions<AssistantOptions> options,
    TimeProvider time,
    ILogger<AssistantResponder> logger)
{
    public const string TooManyRequestsReply = "You are sending me messages faster than I can answer. Please try again in a minute.";
    public const string ApologyReply = "Sorry, I cannot answer right now. Please try again in a little while.";

    /// <summary>Clients drop a typing indicator after a few seconds, so it is repeated while the model works.</summary>
    private static readonly TimeSpan TypingInterval = TimeSpan.FromSeconds(3);

    /// <summary>The clientMessageId of the reply to a message: a redelivered job finds it and does not answer twice.</summary>
    public static string ReplyClientMessageId(string messageId) => $"assistant-reply:{messageId}";

    public async Task HandleAsync(AssistantJob job, CancellationToken ct)
    {
        var settings = options.Value;
        var assistantId = await account.GetUserIdAsync(ct);
        if (assistantId is null)
        {
            LogDisabled(logger, job.MessageId);
            return;
        }

        var question = InputRules.IsId(job.MessageId) ? await messages.FindByIdAsync(job.MessageId, ct) : null;
        if (question is null || question.Deleted || question.SenderId != job.UserId || question.ReceiverId != assistantId
            || question.ConversationId != job.ConversationId)
        {
            // Deleted before we got to it, or a job that does not describe a message to the assistant.
            LogSkipped(logger, job.MessageId);
            return;
        }

        // Newest first. Later messages may be there already when the user typed on; a little slack keeps the
        // context full after filtering them out.
        var page = await messages.GetPageAsync(job.ConversationId, null, settings.ContextMessages + 10, ct);
        var replyId = ReplyClientMessageId(job.MessageId);
        if (page.Any(m => m.SenderId == assistantId && m.ClientMessageId == replyId))
        {
            return;
        }

        var reply = await IsOverLimitAsync(job.UserId, ct)
            ? TooManyRequestsReply
            : await AnswerAsync(job, assistantId, page, ct);

        try
        {
            var outcome = await messageService.SendAsync(assistantId, new SendMessageRequest(job.UserId, null, reply, replyId, null), ct);
            await realtime.PublishAsync(outcome.Actions, ct);
        }
        catch (ProblemException e)
        {
            // The human's account is gone, for instance; nobody is left to answer.
            LogReplyRefused(logger, job.MessageId, e.Title);
        }
    }

    /// <summary>
    /// The reply text under the rules of any message: NFC, no control characters but newline and tab, trimmed,
    /// at most <see cref="InputRules.MaxContentLength"/> characters. Null when nothing is left.
    /// </summary>
    public static string? ToMessageContent(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var normalized = text.Normalize(NormalizationForm.FormC);
        var kept = new StringBuilder(normalized.Length);
        foreach (var c in normalized)
        {
            if (!char.IsControl(c) || c is '\n' or '\t')
            {
                kept.Append(c);
            }
        }

        var content = kept.ToString().Trim();
        if (content.Length > InputRules.MaxContentLength)
        {
            // Never cut a surrogate pair in half: half a character is not valid text.
            var end = char.IsHighSurrogate(content[InputRules.MaxContentLength - 1]) ? InputRules.MaxContentLength - 1 : InputRules.MaxContentLength;
            content = content[..end].TrimEnd();
        }

        return content.Length == 0 ? null : content;
    }

    private async Task<bool> IsOverLimitAsync(string userId, CancellationToken ct)
    {
        var count = await counters.IncrementAsync($"assistant:{userId}", RequestRateLimiter.WindowEnd(time.GetUtcNow()), ct);
        return count > options.Value.PerUserRequestsPerMinute;
    }

    private async Task<string> AnswerAsync(AssistantJob job, string assistantId, IReadOnlyList<MessageRecord> newestFirst, CancellationToken ct)
    {
        var settings = options.Value;
        List<ChatMessage> prompt = [new SystemChatMessage(settings.SystemPrompt)];
        prompt.AddRange(newestFirst
            .Where(m => string.CompareOrdinal(m.Id, job.MessageId) <= 0 && !m.Deleted && m.Content.Length > 0)
            .Take(settings.ContextMessages)
            .Reverse()
            .Select(m => m.SenderId == assistantId ? (ChatMessage)new AssistantChatMessage(m.Content) : new UserChatMessage(m.Content)));

        using var typing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var typingLoop = KeepTypingAsync(job, assistantId, typing.Token);
        try
        {
            return ToMessageContent(await model.CompleteAsync(prompt, ct)) ?? ApologyReply;
        }
        finally
        {
            await typing.CancelAsync();
            await typingLoop;
        }
    }

    private async Task KeepTypingAsync(AssistantJob job, string assistantId, CancellationToken ct)
    {
        IReadOnlyList<RealtimeAction> typing = [new SendToUser(job.UserId, ChatHub.Typing, new TypingDto(job.ConversationId, assistantId))];
        try
        {
            while (true)
            {
                await realtime.PublishAsync(typing, ct);
                await Task.Delay(TypingInterval, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The answer is ready (or the job was cancelled): stop signalling.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assistant job for message {MessageId} arrived while the assistant is disabled; dropped")]
    private static partial void LogDisabled(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assistant job for message {MessageId} skipped: the message is gone or not addressed to the assistant")]
    private static partial void LogSkipped(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assistant reply to message {MessageId} was refused: {Reason}")]
    private static partial void LogReplyRefused(ILogger logger, string messageId, string reason);
}
