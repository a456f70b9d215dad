using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessChat.Standalone.Account;
using ServerlessChat.Core;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Telemetry;
using ServerlessChat.Standalone;
using ServerlessChat.Standalone.Auth;
using ServerlessChat.Standalone.Limits;
using ServerlessChat.Standalone.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Telemetry;

/// <summary>
/// What telemetry costs a request when nothing takes it: no span is started (nothing listens to the sources),
/// and the access log is off unless its log level turns it on.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class UnexportedTelemetryTests
{
    [Fact]
    public async Task WithoutAnExporterNoSpanIsStartedForARequestOrASend()
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-telemetry-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = data });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:JwtSigningKey"] = StandaloneHost.TestSigningKey,
            ["Auth:BcryptWorkFactor"] = "4",
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(data, "chat.db"),
            ["Email:PickupDirectory"] = Path.Combine(data, "mail"),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddChatCore();
        builder.AddHostLimits();
        builder.AddStandaloneRealtime();
        builder.AddStandalonePasswordReset();
        builder.AddStandaloneAccount();
        builder.Logging.ClearProviders();
        builder.AddStandaloneTelemetry();
        await using var app = builder.Build();
        app.UseChatErrors();
        app.MapChatApi();
        // ASP.NET Core keeps an unrecorded request activity for log correlation while any logger is on; nothing
        // may record it, nor start one of Core's.
        app.MapGet("/probe", () => Results.Ok(new { recorded = Activity.Current is { Recorded: true }, started = ChatTelemetry.Source.StartActivity("probe") is not null }));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/") };

        try
        {
            var alice = await ChatApiClient.RegisterAsync(http, "untraced");
            var bob = await ChatApiClient.RegisterAsync(http, "untraced");
            await ChatApiClient.ReadAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "no span" }), HttpStatusCode.Created);
            var probe = await http.GetStringAsync("probe");

            Assert.False(ChatTelemetry.Source.HasListeners());
            Assert.Equal("""{"recorded":false,"started":false}""", probe);
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task TheAccessLogIsOffByDefaultAndOnWithItsLogLevel()
    {
        var everything = new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["Logging__LogLevel__Default"] = "Information" };
        await using var quiet = await StandaloneHost.StartAsync(everything);
        await using var logging = await StandaloneHost.StartAsync(new Dictionary<string, string?>(everything)
        {
            ["Logging__LogLevel__Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Information",
        });

        foreach (var host in new[] { quiet, logging })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("api/health")).StatusCode);
        }

        await WaitUntilAsync(() => logging.Output.Contains("HttpLoggingMiddleware", StringComparison.Ordinal));
        // The line of the logging host's request came first; the quiet host answered its own before that.
        Assert.DoesNotContain("HttpLoggingMiddleware", quiet.Output, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
