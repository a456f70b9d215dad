using System.Net;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The per-user connection cap in the Functions app: negotiates reserve, SignalR Service's upstream connected and
/// disconnected events count the connections (issue 29, finding 5).
/// </summary>
public sealed class HubConnectionCapFunctionsTests : IAsyncLifetime
{
    private const int Cap = 3;
    private FunctionsAppServices _app = null!;

    public async Task InitializeAsync() => _app = await FunctionsAppServices.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Limits:MaxHubConnectionsPerUser"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task NegotiatesBeyondTheCapAreRefusedUntilAConnectionTheServiceReportsClosed()
    {
        var hog = await _app.RegisterAsync("fnhog");
        var other = await _app.RegisterAsync("fnother");

        for (var i = 0; i < Cap; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(hog.Token));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await NegotiateAsync(hog.Token));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(other.Token));

        // The reservations turn into connections: still full.
        var connections = Enumerable.Range(0, Cap).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        foreach (var connection in connections)
        {
            await UpstreamAsync("connected", connection, hog.UserId);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await NegotiateAsync(hog.Token));

        await UpstreamAsync("disconnected", connections[0], hog.UserId);
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(hog.Token));
        Assert.Equal(HttpStatusCode.TooManyRequests, await NegotiateAsync(hog.Token));
    }

    private async Task<HttpStatusCode> NegotiateAsync(string token)
    {
        var (status, contentType, body) = await _app.InvokeAsync("RealtimeFunctions", "Negotiate",
            FunctionsAppServices.Request("POST", "/api/negotiate?negotiateVersion=1", bearer: token));
        if (status == HttpStatusCode.TooManyRequests)
        {
            Assert.Equal("application/problem+json", contentType);
            Assert.Equal(429, (int)body!["status"]!);
        }

        return status;
    }

    private async Task UpstreamAsync(string @event, string connectionId, string userId)
    {
        var context = FunctionsAppServices.Request("POST", $"/api/signalr/{ChatHub.Name}/connections/{@event}", "{}");
        context.Request.Headers[AzureSignalRUpstream.ConnectionIdHeader] = connectionId;
        context.Request.Headers[AzureSignalRUpstream.UserIdHeader] = userId;
        context.Request.Headers[UpstreamSignature.Header] = UpstreamSignature.Compute(FunctionsAppServices.AccessKey, connectionId);
        var (status, _, _) = await _app.InvokeAsync("RealtimeFunctions", "SignalRUpstream", context, ChatHub.Name, "connections", @event);
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
