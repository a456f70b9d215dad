using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Moderation;

namespace ServerlessChat.Core.Events;

/// <summary>
/// <c>Events:BeforeSend</c>: the integrator's hook sees every message (send or edit) before it is stored, signed
/// as webhooks are, and allows it, rejects it (400 with its reason) or replaces its content (which then passes
/// the content filter like any text). One deadline covers the whole call; a hook that fails, answers late or
/// answers too much allows the message or, with <c>FailOpen: false</c>, refuses it with 503.
/// </summary>
internal sealed partial class BeforeSendHook(
    IHttpClientFactory clients, ContentFilter filter, IOptions<EventsOptions> options, TimeProvider time, ILogger<BeforeSendHook> logger) : IMessagePolicy
{
    public const string HttpClientName = "ChatBeforeSend";

    /// <summary>An answer larger than this is a failed hook (a replacement of 4000 characters fits several times).</summary>
    internal const int MaxAnswerBytes = 64 * 1024;

    private const int MaxReasonLength = 500;

    public async ValueTask<string> ApplyAsync(MessageDraft draft, CancellationToken ct)
    {
        var hook = options.Value.BeforeSend;
        if (string.IsNullOrEmpty(hook.Url))
        {
            return draft.Content;
        }

        Answer? answer;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(TimeSpan.FromMilliseconds(hook.TimeoutMilliseconds));
            answer = await CallAsync(hook, draft, deadline.Token).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }

        switch (answer)
        {
            case { Action: "allow" }:
                return draft.Content;
            case { Action: "reject" }:
                var reason = string.IsNullOrWhiteSpace(answer.Reason) ? "The message was rejected." : answer.Reason.Trim();
                throw new ProblemException(StatusCodes.Status400BadRequest, "Message rejected", reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason);
            case { Action: "replace", Content: not null }:
                var rules = new InputRules();
                var replaced = filter.Apply(rules, "content", rules.Content("content", answer.Content, allowEmpty: draft.AttachmentIds.Count > 0));
                rules.ThrowIfAny();
                return replaced!;
            default:
                if (hook.FailOpen)
                {
                    return draft.Content;
                }
                throw new ProblemException(StatusCodes.Status503ServiceUnavailable, "Message check unavailable", "The message could not be checked right now; try again.")
                {
                    RetryAfter = TimeSpan.FromSeconds(1),
                };
        }
    }

    /// <summary>The hook's answer, or null for any failure (unreachable, not 2xx, late, too large, not an answer).</summary>
    private async Task<Answer?> CallAsync(BeforeSendOptions hook, MessageDraft draft, CancellationToken ct)
    {
        WebhookSignature.TryParseSecret(hook.Secret, out var key);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new HookRequest(draft.SenderId, draft.ConversationId, draft.Content, draft.AttachmentIds, draft.ThreadId), ChatJson.Options);
        using var request = WebhookSignature.SignedPost(new Uri(hook.Url!), key, "msg_" + ObjectId.GenerateNewId(), time.GetUtcNow(), body, "application/json");
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogFailed(logger, $"status {(int)response.StatusCode}");
                return null;
            }
            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                LogFailed(logger, "answer too large");
                return null;
            }
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new ArrayBufferWriter<byte>(1024);
            while (true)
            {
                var read = await stream.ReadAsync(buffer.GetMemory(4096), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                buffer.Advance(read);
                if (buffer.WrittenCount > MaxAnswerBytes)
                {
                    LogFailed(logger, "answer too large");
                    return null;
                }
            }
            return JsonSerializer.Deserialize<Answer>(buffer.WrittenSpan, ChatJson.Options);
        }
        catch (OperationCanceledException)
        {
            LogFailed(logger, "no answer in time");
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            LogFailed(logger, ex.GetType().Name);
            return null;
        }
    }

    private sealed record HookRequest(string SenderId, string ConversationId, string Content, IReadOnlyList<string> AttachmentIds, string? ThreadId);

    private sealed record Answer(string? Action, string? Reason, string? Content);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The before-send hook failed ({Failure}); Events:BeforeSend:FailOpen decides")]
    private static partial void LogFailed(ILogger logger, string failure);
}
