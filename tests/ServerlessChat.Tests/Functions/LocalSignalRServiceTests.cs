using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>A standalone host acting as the local Azure SignalR Service, shared by the tests of this class.</summary>
public sealed class LocalSignalRServiceFixture : IAsyncLifetime
{
    public const string AccessKey = "local-signalr-service-key-0123456789-abcdefghij";

    public StandaloneHost Host { get; private set; } = null!;

    /// <summary>Where the stand-in posts connection events.</summary>
    public UpstreamRecorder Upstream { get; private set; } = null!;

    /// <summary>The Functions app's realtime services (Core's AddAzureSignalRRealtime) pointed at the stand-in.</summary>
    public IHost Functions { get; private set; } = null!;

    public string Endpoint => Host.BaseAddress.GetLeftPart(UriPartial.Authority);

    public async Task InitializeAsync()
    {
        Upstream = await UpstreamRecorder.StartAsync();
        Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["LocalSignalRService__AccessKey"] = AccessKey,
            ["LocalSignalRService__UpstreamUrl"] = Upstream.UrlTemplate,
            ["LocalSignalRService__UpstreamRetryDelayMilliseconds"] = "20",
        });
        // Production, so the container is not validated for Core services this test leaves out (presence, storage).
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AzureSignalROptions.ConnectionStringSetting] = $"Endpoint={Endpoint};AccessKey={AccessKey};Version=1.0;",
        });
        builder.AddAzureSignalRRealtime();
        Functions = builder.Build();
        await Functions.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Functions.StopAsync();
        Functions.Dispose();
        await Host.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

/// <summary>
/// The Functions app's REST publisher and negotiator against the standalone host's local SignalR Service: real
/// SignalR .NET clients, connected with the negotiator's answer, receive what the publisher sends; the REST API
/// refuses tokens the real service would refuse; connection events go out as signed upstream calls, retried,
/// and none of the chat hub's own logic runs.
/// </summary>
public sealed class LocalSignalRServiceTests(LocalSignalRServiceFixture fixture) : IClassFixture<LocalSignalRServiceFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private IRealtimePublisher Publisher => fixture.Functions.Services.GetRequiredService<IRealtimePublisher>();

    [Fact]
    public async Task SendToUserReachesThatUsersConnectionsOnly()
    {
        var alice = await ConnectAsync();
        var bob = await ConnectAsync();

        await Publisher.PublishAsync([new SendToUser(alice.UserId, ChatHub.NewMessage, new { text = "for alice" })], CancellationToken.None);
        await Publisher.PublishAsync([new SendToUser(bob.UserId, ChatHub.NewMessage, new { text = "for bob" })], CancellationToken.None);

        Assert.Equal("for alice", (await alice.NextAsync()).GetProperty("text").GetString());
        // Bob's first event is his own: alice's never reached him.
        Assert.Equal("for bob", (await bob.NextAsync()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task AddedUsersHearTheGroupAndRemovedOnesStopHearingIt()
    {
        var alice = await ConnectAsync();
        var group = ChatHub.GroupFor(Guid.NewGuid().ToString("N")[..24]);

        await Publisher.PublishAsync(
        [
            new AddUserToGroup(alice.UserId, group),
            new SendToGroup(group, ChatHub.NewMessage, new { text = "while a member" }),
            new RemoveUserFromGroup(alice.UserId, group),
            new SendToGroup(group, ChatHub.NewMessage, new { text = "after leaving" }),
            new SendToUser(alice.UserId, ChatHub.NewMessage, new { text = "marker" }),
        ], CancellationToken.None);

        Assert.Equal("while a member", (await alice.NextAsync()).GetProperty("text").GetString());
        Assert.Equal("marker", (await alice.NextAsync()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task AClientTokenForgedWithAnotherKeyCannotConnect()
    {
        var userId = await RegisterAsync();
        var url = AzureSignalRNegotiator.ClientUrl(new Uri(fixture.Endpoint));
        var forged = AzureSignalRTokens.Sign("not-the-access-key-0123456789-abcdefghijkl", url, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), userId);
        await using var connection = Build(url, forged);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync().WaitAsync(Timeout));
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("versioned")]
    [InlineData("versioned-audience-without-query")]
    public async Task RestCallsWithAValidTokenAreAccepted(string form)
    {
        var url = RestUrl(form.StartsWith("v1", StringComparison.Ordinal));
        var audience = form.EndsWith("without-query", StringComparison.Ordinal) ? url[..url.IndexOf('?', StringComparison.Ordinal)] : url;
        var token = AzureSignalRTokens.Sign(LocalSignalRServiceFixture.AccessKey, audience, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

        using var response = await SendRestAsync(url, token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("tampered")]
    [InlineData("expired")]
    [InlineData("other-key")]
    [InlineData("other-url")]
    public async Task RestCallsWithoutAValidTokenAreRefused(string problem)
    {
        var url = RestUrl(v1: false);
        var now = DateTimeOffset.UtcNow;
        var valid = AzureSignalRTokens.Sign(LocalSignalRServiceFixture.AccessKey, url, now, TimeSpan.FromMinutes(5));
        var token = problem switch
        {
            "missing" => null,
            "tampered" => Tamper(valid),
            "expired" => AzureSignalRTokens.Sign(LocalSignalRServiceFixture.AccessKey, url, now.AddMinutes(-30), TimeSpan.FromMinutes(5)),
            "other-key" => AzureSignalRTokens.Sign("not-the-access-key-0123456789-abcdefghijkl", url, now, TimeSpan.FromMinutes(5)),
            _ => AzureSignalRTokens.Sign(LocalSignalRServiceFixture.AccessKey, url.Replace("/users/", "/groups/", StringComparison.Ordinal), now, TimeSpan.FromMinutes(5)),
        };

        using var response = await SendRestAsync(url, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AnyUserIdStringConnectsAndHearsWhatIsSentToIt()
    {
        var userId = "not a chat id: " + Guid.NewGuid().ToString("N");
        var alice = await ConnectAsync(userId);

        await Publisher.PublishAsync([new SendToUser(userId, ChatHub.NewMessage, new { text = "for any id" })], CancellationToken.None);

        Assert.Equal("for any id", (await alice.NextAsync()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task ConnectAndDisconnectArriveAsSignedUpstreamCalls()
    {
        var userId = "upstream-" + Guid.NewGuid().ToString("N");
        var listener = await ConnectAsync(userId);
        var connected = await fixture.Upstream.WaitForAsync(c => c.Header(AzureSignalRUpstream.UserIdHeader) == userId && c.Event == "connected");
        await listener.Connection.DisposeAsync();
        var disconnected = await fixture.Upstream.WaitForAsync(c => c.Header(AzureSignalRUpstream.UserIdHeader) == userId && c.Event == "disconnected");

        foreach (var (call, type) in new[] { (connected, 10), (disconnected, 11) })
        {
            var connectionId = call.Header(AzureSignalRUpstream.ConnectionIdHeader);
            Assert.False(string.IsNullOrEmpty(connectionId));
            Assert.True(UpstreamSignature.IsValid(connectionId, call.Header(UpstreamSignature.Header), [LocalSignalRServiceFixture.AccessKey]));
            Assert.Equal((ChatHub.Name, "connections"), (call.Hub, call.Category));
            Assert.Equal(ChatHub.Name, call.Header("X-ASRS-Hub"));
            Assert.Equal("connections", call.Header("X-ASRS-Category"));
            Assert.Equal(call.Event, call.Header("X-ASRS-Event"));
            Assert.StartsWith("application/json", call.ContentType);
            using var body = JsonDocument.Parse(call.Body);
            Assert.Equal(type, body.RootElement.GetProperty("type").GetInt32());
            // A clean close carries no error.
            Assert.False(body.RootElement.TryGetProperty("error", out _));
        }

        Assert.Equal(connected.Header(AzureSignalRUpstream.ConnectionIdHeader), disconnected.Header(AzureSignalRUpstream.ConnectionIdHeader));
    }

    [Fact]
    public async Task TheClientQueryForwardedUpstreamCarriesNoAccessTokenNorOtherCredentials()
    {
        var userId = await RegisterAsync();
        var negotiate = await fixture.Functions.Services.GetRequiredService<INegotiator>()
            .NegotiateAsync(userId, new Microsoft.AspNetCore.Http.DefaultHttpContext().Request, CancellationToken.None);
        // As a browser connects: the token in the WebSocket URL's query, beside the app's own parameters.
        var url = $"{negotiate.Url}&access_token={Uri.EscapeDataString(negotiate.AccessToken)}&theme=dark&api_key=k-123&refreshToken=r-456";
        var connection = new HubConnectionBuilder()
            .WithUrl(url, options => options.Transports = HttpTransportType.WebSockets)
            .Build();
        await using (connection)
        {
            await connection.StartAsync().WaitAsync(Timeout);
            var connected = await fixture.Upstream.WaitForAsync(c => c.Header(AzureSignalRUpstream.UserIdHeader) == userId && c.Event == "connected");

            var query = connected.Header("X-ASRS-Client-Query");
            Assert.NotNull(query);
            Assert.Contains($"hub={ChatHub.Name}", query, StringComparison.Ordinal);
            Assert.Contains("theme=dark", query, StringComparison.Ordinal);
            Assert.DoesNotContain("access_token", query, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Uri.EscapeDataString(negotiate.AccessToken), query, StringComparison.Ordinal);
            Assert.DoesNotContain("k-123", query, StringComparison.Ordinal);
            Assert.DoesNotContain("r-456", query, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnUpstreamCallThatFailsIsRetriedUntilItIsTaken()
    {
        var userId = "retried-" + Guid.NewGuid().ToString("N");
        var failures = 2;
        var previous = fixture.Upstream.Answer;
        fixture.Upstream.Answer = call => call.Header(AzureSignalRUpstream.UserIdHeader) == userId && Interlocked.Decrement(ref failures) >= 0
            ? HttpStatusCode.ServiceUnavailable
            : previous(call);

        await ConnectAsync(userId, awaitUpstream: false);
        var third = await fixture.Upstream.WaitForAsync(c => c.Header(AzureSignalRUpstream.UserIdHeader) == userId && c.Event == "connected", occurrence: 3);

        Assert.Equal(3, fixture.Upstream.Calls(c => c.Header(AzureSignalRUpstream.UserIdHeader) == userId && c.Event == "connected").Count);
        Assert.True(UpstreamSignature.IsValid(third.Header(AzureSignalRUpstream.ConnectionIdHeader), third.Header(UpstreamSignature.Header), [LocalSignalRServiceFixture.AccessKey]));
    }

    [Fact]
    public async Task AClientOfTheServiceDoesNotRunTheChatHubsConnectLogic()
    {
        var user = await ChatApiClient.RegisterAsync(fixture.Host.Client, "asrs");
        // Connected and reported upstream: the hub's OnConnectedAsync is over.
        await ConnectAsync(user.UserId);

        // The standalone host's own presence (what its chat hub would have recorded) never heard of it.
        var presence = await ChatApiClient.ReadAsync(await user.GetAsync($"/api/presence?userIds={user.UserId}"), HttpStatusCode.OK);
        Assert.False((bool)presence["items"]![0]!["online"]!);
    }

    private string RestUrl(bool v1) => v1
        ? $"{fixture.Endpoint}/api/v1/hubs/{ChatHub.Name}/users/nobody"
        : $"{fixture.Endpoint}/api/hubs/{ChatHub.Name}/users/nobody/:send?api-version={AzureSignalRRestClient.ApiVersion}";

    private async Task<HttpResponseMessage> SendRestAsync(string url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""{"target":"newMessage","arguments":[{"text":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await fixture.Host.Client.SendAsync(request);
    }

    // Changes the payload (its expiry) and keeps the signature, as an attacker extending a token would.
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]))!;
        var changed = payload.ToDictionary(p => p.Key, p => p.Key == "exp" ? (object)(p.Value.GetInt64() + 3600) : p.Value);
        return $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(JsonSerializer.Serialize(changed))}.{parts[2]}";
    }

    private async Task<string> RegisterAsync() => (await ChatApiClient.RegisterAsync(fixture.Host.Client, "asrs")).UserId;

    /// <summary>
    /// A client (of a new registered user, or of <paramref name="userId"/>), connected exactly as a browser would
    /// after POST /api/negotiate on the Functions app.
    /// </summary>
    private async Task<Listener> ConnectAsync(string? userId = null, bool awaitUpstream = true)
    {
        userId ??= await RegisterAsync();
        var negotiate = await fixture.Functions.Services.GetRequiredService<INegotiator>()
            .NegotiateAsync(userId, new Microsoft.AspNetCore.Http.DefaultHttpContext().Request, CancellationToken.None);
        Assert.Equal($"{fixture.Endpoint}/client/?hub={ChatHub.Name}", negotiate.Url);
        var connection = Build(negotiate.Url, negotiate.AccessToken);
        var listener = new Listener(connection, userId);
        await connection.StartAsync().WaitAsync(Timeout);
        if (awaitUpstream)
        {
            // The service registers the connection in OnConnectedAsync and reports it upstream after that.
            await fixture.Upstream.WaitForAsync(c => c.Header(AzureSignalRUpstream.UserIdHeader) == userId && c.Event == "connected");
        }

        return listener;
    }

    private static HubConnection Build(string url, string token) => new HubConnectionBuilder()
        .WithUrl(url, options =>
        {
            options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            options.Transports = HttpTransportType.WebSockets;
        })
        .Build();

    private sealed class Listener
    {
        private readonly System.Threading.Channels.Channel<JsonElement> _events = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();

        public Listener(HubConnection connection, string userId)
        {
            Connection = connection;
            UserId = userId;
            connection.On<JsonElement>(ChatHub.NewMessage, payload => _events.Writer.TryWrite(payload));
        }

        public HubConnection Connection { get; }

        public string UserId { get; }

        public async Task<JsonElement> NextAsync() => await _events.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
    }
}
