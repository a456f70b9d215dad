using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessChat.Core.Account;
using ServerlessChat.Core;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Telemetry;
using ServerlessChat.Tests.Functions;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Telemetry;

/// <summary>
/// The Functions app's publisher with Core's telemetry, against a loopback stand-in for the SignalR Service REST
/// API whose answer the test picks: the publish span holds the REST call's HTTP client span, and a refused push
/// is counted as a failure (what the Bicep alert watches).
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class SignalRServicePushTelemetryTests : IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private readonly List<Metric> _metrics = [];
    private readonly string _data = Directory.CreateTempSubdirectory("serverlesschat-push-telemetry-").FullName;
    private WebApplication _service = null!;
    private IHost _functions = null!;
    private int _answer = StatusCodes.Status202Accepted;

    public async Task InitializeAsync()
    {
        var service = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = _data });
        service.WebHost.UseUrls("http://127.0.0.1:0");
        _service = service.Build();
        _service.Run(context =>
        {
            context.Response.StatusCode = _answer;
            return Task.CompletedTask;
        });
        await _service.StartAsync();
        var endpoint = _service.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:JwtSigningKey"] = StandaloneHost.TestSigningKey,
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(_data, "chat.db"),
            ["Email:PickupDirectory"] = Path.Combine(_data, "mail"),
            [AzureSignalROptions.ConnectionStringSetting] = $"Endpoint={endpoint};AccessKey={FunctionsAppServices.AccessKey};Version=1.0;",
        });
        builder.AddChatCore();
        builder.AddAzureSignalRRealtime();
        builder.AddStoragePasswordResetQueue();
        builder.AddStorageAccountJobQueue();
        builder.AddChatTelemetry()
            .WithTracing(tracing => tracing.AddChatTracing().AddInMemoryExporter(_spans))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics));
        _functions = builder.Build();
        await _functions.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _functions.StopAsync();
        _functions.Dispose();
        await _service.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task APushToSignalRServiceIsASpanAroundItsRestCallAndARefusedOneCountsAsAFailure()
    {
        var publisher = _functions.Services.GetRequiredService<IRealtimePublisher>();
        var userId = Guid.NewGuid().ToString("N");

        var before = Totals();
        await publisher.PublishAsync([new SendToUser(userId, ChatHub.NewMessage, new { id = "m1" })], CancellationToken.None);
        var delivered = Totals();
        _answer = StatusCodes.Status403Forbidden;
        await publisher.PublishAsync([new SendToUser(userId, ChatHub.NewMessage, new { id = "m2" })], CancellationToken.None);
        var refused = Totals();

        var publishes = _spans.Where(s => s.DisplayName == "realtime publish").ToList();
        Assert.Equal(2, publishes.Count);
        Assert.All(publishes, p => Assert.Equal("signalr-service", p.GetTagItem("chat.realtime.transport")));
        foreach (var publish in publishes)
        {
            var call = Assert.Single(_spans, s => s.Kind == ActivityKind.Client && s.ParentSpanId == publish.SpanId && s.Source.Name != ChatTelemetry.Name);
            Assert.Contains(userId, (string?)call.GetTagItem("url.full"), StringComparison.Ordinal);
        }

        Assert.Equal(ActivityStatusCode.Unset, publishes[0].Status);
        Assert.Equal(ActivityStatusCode.Error, publishes[1].Status);
        Assert.Equal((1L, 1L, 0L), (delivered.Pushes - before.Pushes, delivered.Deliveries - before.Deliveries, delivered.Failures - before.Failures));
        Assert.Equal((1L, 0L, 1L), (refused.Pushes - delivered.Pushes, refused.Deliveries - delivered.Deliveries, refused.Failures - delivered.Failures));
    }

    private (long Pushes, long Deliveries, long Failures) Totals()
    {
        _functions.Services.GetRequiredService<TracerProvider>().ForceFlush();
        _metrics.Clear();
        _functions.Services.GetRequiredService<MeterProvider>().ForceFlush();
        long Sum(string name)
        {
            long total = 0;
            foreach (var metric in _metrics.Where(m => m.MeterName == ChatTelemetry.Name && m.Name == name))
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    total += point.GetSumLong();
                }
            }

            return total;
        }

        return (Sum("chat.realtime.pushes"), Sum("chat.realtime.deliveries"), Sum("chat.realtime.push.failures"));
    }
}
