using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI.Chat;

namespace ServerlessChat.Core.Assistant;

/// <summary>
/// The Azure OpenAI chat deployment, called with bounded retries. The SDK's own retry policy is switched off so
/// that one place decides what is retried, how often and how long it waits (its default makes 4 tries per call,
/// which would multiply with ours).
/// </summary>
public sealed partial class AssistantModel
{
    private readonly AssistantOptions _options;
    private readonly Lazy<ChatClient> _client;
    private readonly TimeProvider _time;
    private readonly ILogger<AssistantModel> _logger;

    public AssistantModel(IOptions<AssistantOptions> options, TimeProvider time, ILogger<AssistantModel> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _client = new Lazy<ChatClient>(CreateClient);
    }

    /// <summary>The model's answer, or null when every attempt failed.</summary>
    public async Task<string?> CompleteAsync(IReadOnlyList<ChatMessage> messages, CancellationToken ct)
    {
        var completionOptions = new ChatCompletionOptions { MaxOutputTokenCount = _options.MaxOutputTokens };
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            try
            {
                ChatCompletion completion = await _client.Value.CompleteChatAsync(messages, completionOptions, ct);
                return string.Concat(completion.Content.Where(part => part.Kind == ChatMessageContentPartKind.Text).Select(part => part.Text));
            }
            catch (ClientResultException e) when (IsTransient(e.Status))
            {
                failure = e.Status == 0 ? "no response" : $"status {e.Status}";
                retryAfter = RetryAfter(e.GetRawResponse());
            }
            catch (ClientResultException e)
            {
                // 400 (e.g. a content filter), 401, 404: asking again gives the same answer.
                LogRejected(_logger, e.Status, e.Message);
                return null;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The pipeline's NetworkTimeout cancels the try without the caller having cancelled.
                failure = "timeout";
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
            }

            if (attempt >= _options.MaxAttempts)
            {
                LogGaveUp(_logger, attempt, failure);
                return null;
            }

            var delay = Backoff(attempt, retryAfter);
            LogRetrying(_logger, attempt, failure, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, ct);
        }
    }

    private ChatClient CreateClient()
    {
        var clientOptions = new AzureOpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds),
        };
        var endpoint = new Uri(_options.Endpoint!, UriKind.Absolute);
        var client = string.IsNullOrEmpty(_options.ApiKey)
            ? new AzureOpenAIClient(endpoint, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = _options.ManagedIdentityClientId }), clientOptions)
            : new AzureOpenAIClient(endpoint, new ApiKeyCredential(_options.ApiKey), clientOptions);
        return client.GetChatClient(_options.Deployment!);
    }

    // 0: the request never got an answer (connection refused or reset).
    private static bool IsTransient(int status) =>
        status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = TimeSpan.FromMilliseconds(_options.RetryBaseDelayMilliseconds * Math.Pow(2, attempt - 1) * (0.8 + (Random.Shared.NextDouble() * 0.4)));
        if (retryAfter is not { } asked)
        {
            return exponential;
        }

        var cap = TimeSpan.FromSeconds(_options.MaxRetryAfterSeconds);
        return asked > exponential ? (asked < cap ? asked : cap) : exponential;
    }

    /// <summary>Azure OpenAI sends retry-after-ms, and Retry-After in seconds or as an HTTP date.</summary>
    private TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        if (response.Headers.TryGetValue("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value) || value is null)
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at > _time.GetUtcNow()
            ? at - _time.GetUtcNow()
            : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assistant model attempt {Attempt} failed ({Failure}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, int attempt, string failure, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Assistant model failed after {Attempts} attempts ({Failure})")]
    private static partial void LogGaveUp(ILogger logger, int attempts, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Assistant model refused the request with status {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int status, string reason);
}
