using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Assistant;

/// <summary>
/// A fake Azure OpenAI endpoint and a standalone host whose assistant talks to it, with timings short enough
/// for tests: 2 s per model request, 3 attempts, 100 ms first backoff, Retry-After honoured up to 3 s.
/// </summary>
public sealed class AssistantHostFixture : IAsyncLifetime
{
    public const int MaxAttempts = 3;
    public const int PerUserRequestsPerMinute = 3;
    public const int ContextMessages = 20;
    public const int MaxOutputTokens = 321;
    public const string SystemPrompt = "You are the test assistant. Answer briefly.";

    public FakeChatCompletionsServer Model { get; private set; } = null!;

    public StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Model = await FakeChatCompletionsServer.StartAsync();
        Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Assistant__Endpoint"] = Model.Endpoint.ToString(),
            ["Assistant__Deployment"] = "test",
            ["Assistant__ApiKey"] = FakeChatCompletionsServer.ApiKey,
            ["Assistant__SystemPrompt"] = SystemPrompt,
            ["Assistant__ContextMessages"] = ContextMessages.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Assistant__MaxOutputTokens"] = MaxOutputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Assistant__RequestTimeoutSeconds"] = "2",
            ["Assistant__MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Assistant__RetryBaseDelayMilliseconds"] = "100",
            ["Assistant__MaxRetryAfterSeconds"] = "3",
            ["Assistant__PerUserRequestsPerMinute"] = PerUserRequestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Model.DisposeAsync();
    }
}
