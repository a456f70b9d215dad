using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessChat.Standalone.Account;
using ServerlessChat.Core;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Telemetry;
using ServerlessChat.Standalone;
using ServerlessChat.Standalone.Auth;
using ServerlessChat.Standalone.Limits;
using ServerlessChat.Standalone.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Telemetry;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    // Alone: the meter is process-wide, so another in-process test's sends would show in these counts.
    public const string Name = "Telemetry, in-process and alone";
}

/// <summary>
/// The standalone host's services in-process with OpenTelemetry's in-memory exporters: one send, followed from
/// the HTTP request through the store to the realtime push, in spans, metrics and logs.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class SendTelemetryTests : IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private readonly List<Metric> _metrics = [];
    private readonly List<LogRecord> _logs = [];
    private readonly HubRequestEnded _hubRequestEnded = new();
    private readonly string _data = Directory.CreateTempSubdirectory("serverlesschat-telemetry-").FullName;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = _data });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:JwtSigningKey"] = StandaloneHost.TestSigningKey,
            ["Auth:BcryptWorkFactor"] = "4",
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_data, "chat.db"),
            ["Email:PickupDirectory"] = Path.Combine(_data, "mail"),
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Information",
            // The first checkpoint round (a background push with its own span) comes after the test is over.
            ["Sync:CheckpointSeconds"] = "60",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddChatCore();
        builder.AddHostLimits();
        builder.AddStandaloneRealtime();
        builder.AddStandalonePasswordReset();
        builder.AddStandaloneAccount();
        // Only the exporters below: the logs are under test, not for the console.
        builder.Logging.ClearProviders();
        builder.AddStandaloneTelemetry()
            .WithTracing(tracing => tracing.AddStandaloneTracing().AddInMemoryExporter(_spans).AddProcessor(_hubRequestEnded))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics));
        builder.Logging.AddOpenTelemetry(options => options.AddInMemoryExporter(_logs));

        _app = builder.Build();
        _app.UseHttpLogging();
        _app.UseChatErrors();
        _app.UseWebSockets();
        _app.MapChatApi();
        _app.MapStandaloneRealtime();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address + "/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task ASendIsOneTraceFromTheRequestThroughTheStoreToTheRealtimePushAndIsCountedWithoutItsContentOrToken()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "tel");
        var bob = await ChatApiClient.RegisterAsync(_http, "tel");
        await using var bobRealtime = await RealtimeClient.ConnectAsync(_http.BaseAddress!, bob.UserId, bob.AccessToken);
        var content = "telemetry secret " + Guid.NewGuid().ToString("N");
        var before = Snapshot();

        var response = await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content });
        var message = await ChatApiClient.ReadAsync(response, HttpStatusCode.Created);
        await bobRealtime.WaitForAsync(ChatHub.NewMessage, m => m.GetProperty("id").GetString() == (string)message["id"]!);
        var after = Snapshot();
        // The hub request (its query has the access token) is recorded when the connection ends.
        await bobRealtime.DisposeAsync();
        await _hubRequestEnded.Task.WaitAsync(RealtimeClient.Timeout);
        _app.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var request = Assert.Single(_spans, s => s.Kind == ActivityKind.Server && s.DisplayName.StartsWith("POST", StringComparison.Ordinal)
            && Equals(s.GetTagItem("http.route"), "/api/messages") && Equals(s.GetTagItem("http.response.status_code"), 201));
        var insert = Assert.Single(_spans, s => s.DisplayName == "store messages.insert" && s.TraceId == request.TraceId);
        var publish = Assert.Single(_spans, s => s.DisplayName == "realtime publish" && s.TraceId == request.TraceId);
        Assert.All([insert, publish], span => Assert.True(DescendsFrom(span, request), $"{span.DisplayName} is not inside the request span"));
        Assert.Equal(ActivityKind.Client, insert.Kind);
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.True(publish.StartTimeUtc >= insert.StartTimeUtc + insert.Duration, "the push started before the message was stored");
        Assert.Equal("hub", publish.GetTagItem("chat.realtime.transport"));

        Assert.Equal(1, after.Sum("chat.messages.sent") - before.Sum("chat.messages.sent"));
        // The receiver and the sender's other connections: two actions, one multi-user hub send.
        Assert.Equal(2, after.Sum("chat.realtime.deliveries") - before.Sum("chat.realtime.deliveries"));
        Assert.Equal(1, after.Sum("chat.realtime.pushes") - before.Sum("chat.realtime.pushes"));
        Assert.Equal(0, after.Sum("chat.realtime.push.failures") - before.Sum("chat.realtime.push.failures"));
        Assert.Equal(1, after.Sum("chat.realtime.connections"));
        Assert.Equal(1, after.HistogramCount("chat.store.duration", "messages.insert") - before.HistogramCount("chat.store.duration", "messages.insert"));
        // The conversation's latest is written in the insert's own transaction: no store call of its own.
        Assert.DoesNotContain(_spans, s => s.DisplayName == "store conversations.touch");

        var recorded = _spans.SelectMany(s => s.TagObjects.Select(t => $"{s.DisplayName} {t.Key}={t.Value}"))
            .Concat(_logs.Select(l => $"{l.CategoryName}: {l.FormattedMessage} {string.Join(' ', l.Attributes?.Select(a => $"{a.Key}={a.Value}") ?? [])}"))
            .ToList();
        Assert.Contains(_logs, l => l.CategoryName == "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware" && l.FormattedMessage?.Contains("/hubs/chat", StringComparison.Ordinal) == true);
        Assert.Contains(recorded, line => line.Contains("url.path=/hubs/chat", StringComparison.Ordinal));
        foreach (var secret in new[] { content, alice.AccessToken, bob.AccessToken, alice.Password, "access_token" })
        {
            Assert.DoesNotContain(recorded, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>Completes when the hub's WebSocket request span ends, so the test awaits it instead of sleeping.</summary>
    private sealed class HubRequestEnded : BaseProcessor<Activity>
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _ended.Task;

        public override void OnEnd(Activity data)
        {
            if (data.Kind == ActivityKind.Server && Equals(data.GetTagItem("url.path"), "/hubs/chat"))
            {
                _ended.TrySetResult();
            }
        }
    }

    private static bool DescendsFrom(Activity span, Activity ancestor)
    {
        for (var current = span; current is not null; current = current.Parent)
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private MetricSnapshot Snapshot()
    {
        _app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        _metrics.Clear();
        _app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        return new MetricSnapshot(_metrics.Where(m => m.MeterName == ChatTelemetry.Name).ToList());
    }

    /// <summary>Values read at once: the exporter reuses its metric objects on the next collection.</summary>
    private sealed class MetricSnapshot
    {
        private readonly Dictionary<string, long> _sums = [];
        private readonly Dictionary<(string, string), long> _counts = [];

        public MetricSnapshot(IEnumerable<Metric> metrics)
        {
            foreach (var metric in metrics)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    if (metric.MetricType is MetricType.LongSum or MetricType.LongSumNonMonotonic)
                    {
                        _sums[metric.Name] = _sums.GetValueOrDefault(metric.Name) + point.GetSumLong();
                    }
                    else if (metric.MetricType == MetricType.Histogram)
                    {
                        string operation = "";
                        foreach (var tag in point.Tags)
                        {
                            if (tag.Key == "chat.store.operation")
                            {
                                operation = tag.Value?.ToString() ?? "";
                            }
                        }

                        _counts[(metric.Name, operation)] = _counts.GetValueOrDefault((metric.Name, operation)) + point.GetHistogramCount();
                    }
                }
            }
        }

        public long Sum(string name) => _sums.GetValueOrDefault(name);

        public long HistogramCount(string name, string operation) => _counts.GetValueOrDefault((name, operation));
    }
}
