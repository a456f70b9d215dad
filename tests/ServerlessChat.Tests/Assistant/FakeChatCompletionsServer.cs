using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Tests.Assistant;

/// <summary>What the fake model does with one request.</summary>
public abstract record FakeStep
{
    public static FakeStep Reply(string text) => new ReplyStep(text);

    public static FakeStep Status(HttpStatusCode status, int? retryAfterSeconds = null) => new StatusStep(status, retryAfterSeconds);

    /// <summary>Never answers; the request ends only when the client gives up.</summary>
    public static FakeStep Hang { get; } = new HangStep();

    public sealed record ReplyStep(string Text) : FakeStep;

    public sealed record StatusStep(HttpStatusCode Code, int? RetryAfterSeconds) : FakeStep;

    public sealed record HangStep : FakeStep;
}

/// <summary>One chat completions request as the fake model received it.</summary>
public sealed record RecordedRequest(string Deployment, string? ApiVersion, string? ApiKey, JsonNode Body, DateTimeOffset ReceivedAt)
{
    /// <summary>When the fake stopped handling it: answered, or aborted by the client.</summary>
    public TaskCompletionSource<DateTimeOffset> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(string Role, string Content)> Messages =>
        Body["messages"]!.AsArray().Select(m => ((string)m!["role"]!, ContentOf(m["content"]))).ToList();

    // The SDK may send content as a string or as an array of text parts.
    private static string ContentOf(JsonNode? content) => content switch
    {
        JsonArray parts => string.Concat(parts.Select(p => (string?)p!["text"])),
        _ => (string?)content ?? "",
    };
}

/// <summary>
/// An Azure OpenAI chat completions endpoint on loopback, as the SDK calls it:
/// POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...
/// Each test scripts the requests whose conversation mentions its own key, so tests share one fake and one host.
/// Unscripted requests (and scripted ones past their last step) are answered with "Answer to: {last user message}".
/// </summary>
public sealed class FakeChatCompletionsServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeStep>> _scripts = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _completionNumber;

    private FakeChatCompletionsServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<FakeChatCompletionsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeChatCompletionsServer(app);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (Func<HttpContext, string, Task>)server.HandleAsync);
        await app.StartAsync();
        // With port 0 the bound address is known only after start.
        var address = app.Urls.Single();
        server.Endpoint = new Uri(address + "/");
        return server;
    }

    /// <summary>What to do with the next requests whose messages contain <paramref name="key"/>, in order.</summary>
    public void Script(string key, params FakeStep[] steps) => _scripts[key] = new ConcurrentQueue<FakeStep>(steps);

    public IReadOnlyList<RecordedRequest> RequestsMentioning(string key)
    {
        lock (_requests)
        {
            return _requests.Where(r => r.Messages.Any(m => m.Content.Contains(key, StringComparison.Ordinal))).ToList();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context, string deployment)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!;
        var request = new RecordedRequest(deployment, context.Request.Query["api-version"], context.Request.Headers["api-key"], body, DateTimeOffset.UtcNow);
        lock (_requests)
        {
            _requests.Add(request);
        }

        try
        {
            var step = NextStep(request);
            switch (step)
            {
                case FakeStep.StatusStep status:
                    if (status.RetryAfterSeconds is { } seconds)
                    {
                        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }

                    context.Response.StatusCode = (int)status.Code;
                    await context.Response.WriteAsJsonAsync(new { error = new { code = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture), message = "scripted failure" } });
                    break;
                case FakeStep.HangStep:
                    using (var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token))
                    {
                        try
                        {
                            await Task.Delay(Timeout.Infinite, linked.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            // The client timed out: exactly what a hang is for.
                        }
                    }

                    break;
                case FakeStep.ReplyStep reply:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(Completion(reply.Text), context.RequestAborted);
                    break;
            }
        }
        finally
        {
            request.Ended.TrySetResult(DateTimeOffset.UtcNow);
        }
    }

    private FakeStep NextStep(RecordedRequest request)
    {
        var messages = request.Messages;
        foreach (var (key, steps) in _scripts)
        {
            if (messages.Any(m => m.Content.Contains(key, StringComparison.Ordinal)) && steps.TryDequeue(out var step))
            {
                return step;
            }
        }

        var lastUser = messages.LastOrDefault(m => m.Role == "user").Content;
        return FakeStep.Reply($"Answer to: {lastUser}");
    }

    /// <summary>A chat.completion object with every field the OpenAI .NET library reads.</summary>
    private string Completion(string text)
    {
        var completion = new JsonObject
        {
            ["id"] = $"chatcmpl-fake-{Interlocked.Increment(ref _completionNumber)}",
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = "fake-model",
            ["system_fingerprint"] = null,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        };
        return completion.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
