using System.Net;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The serverless path end to end on loopback, as under func start: the Functions app's services over HTTP, the
/// standalone host as the local SignalR Service, real SignalR .NET clients that negotiate with the Functions app
/// and are sent on to the service. Presence on the Functions app moves only through the service's upstream calls.
/// </summary>
public sealed class FunctionsOverLocalSignalRServiceTests : IAsyncLifetime
{
    private const string AccessKey = "functions-over-local-service-key-0123456789-abcdef";

    private StandaloneHost _service = null!;
    private FunctionsAppServer _functions = null!;

    public async Task InitializeAsync()
    {
        var port = FunctionsAppServer.ReservePort();
        _service = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["LocalSignalRService__AccessKey"] = AccessKey,
            ["LocalSignalRService__UpstreamUrl"] = $"http://127.0.0.1:{port}/api/signalr/{{hub}}/{{category}}/{{event}}",
        });
        _functions = await FunctionsAppServer.StartAsync(port, _service.BaseAddress.GetLeftPart(UriPartial.Authority), AccessKey);
    }

    public async Task DisposeAsync()
    {
        await _functions.DisposeAsync();
        await _service.DisposeAsync();
    }

    [Fact]
    public async Task ConnectingAndDisconnectingThroughTheServiceMovesPresenceAndMessagesArrive()
    {
        var alice = await ChatApiClient.RegisterAsync(_functions.Client, "fsvc");
        var bob = await ChatApiClient.RegisterAsync(_functions.Client, "fsvc");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "we are contacts now" });
        // Each has taken part in the conversation, so each may see the other's presence.
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "we are" });
        Assert.False(await IsOnlineAsync(bob, alice.UserId));

        await using var bobClient = await RealtimeClient.ConnectAsync(_functions.BaseAddress, bob.UserId, bob.AccessToken, serverless: true);
        await _functions.HandledAsync("connected", bob.UserId);
        Assert.True(await IsOnlineAsync(alice, bob.UserId));

        var aliceClient = await RealtimeClient.ConnectAsync(_functions.BaseAddress, alice.UserId, alice.AccessToken, serverless: true);
        await _functions.HandledAsync("connected", alice.UserId);
        await bobClient.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId && p.GetProperty("online").GetBoolean());
        Assert.True(await IsOnlineAsync(bob, alice.UserId));

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "through the service" });
        var received = await bobClient.WaitForAsync(ChatHub.NewMessage, m => m.Str("id") == (string)sent["id"]!);
        Assert.Equal("through the service", received.Str("content"));

        await aliceClient.DisposeAsync();
        await _functions.HandledAsync("disconnected", alice.UserId);
        await bobClient.WaitForAsync(ChatHub.Presence, p => p.Str("userId") == alice.UserId && !p.GetProperty("online").GetBoolean());
        Assert.False(await IsOnlineAsync(bob, alice.UserId));
    }

    [Fact]
    public async Task AClientConnectingThroughTheFunctionsNegotiateReceivesReadyWithACursorThatSyncTakes()
    {
        var alice = await ChatApiClient.RegisterAsync(_functions.Client, "fsvc");
        var bob = await ChatApiClient.RegisterAsync(_functions.Client, "fsvc");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "before bob connects" });

        await using var bobClient = await RealtimeClient.ConnectAsync(_functions.BaseAddress, bob.UserId, bob.AccessToken, serverless: true);
        // Sent by the upstream connected handler to this connection over the service's REST API.
        var ready = await bobClient.WaitForAsync(ChatHub.Ready);

        var cursor = ready.Str("cursor");
        Assert.NotNull(cursor);
        Assert.NotNull(SyncCursor.TryDecode(cursor));
        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "after ready" });
        var changes = (await ChatApiClient.ReadAsync(await bob.GetAsync($"/api/sync?since={Uri.EscapeDataString(cursor)}"), HttpStatusCode.OK))["changes"]!.AsArray();
        Assert.Contains(changes, c => (string)c!["type"]! == ChatHub.NewMessage && (string)c["data"]!["id"]! == (string)sent["id"]!);
    }

    [Fact]
    public async Task APasswordChangeClosesTheOtherSessionsServiceConnectionAndKeepsTheCallersOpen()
    {
        var user = await ChatApiClient.RegisterAsync(_functions.Client, "fsess");
        var login = await ChatApiClient.LoginAsync(_functions.Client, new { username = user.Username, password = user.Password });
        var other = user.WithTokens((string)login["accessToken"]!, (string)login["refreshToken"]!);
        await using var mine = await RealtimeClient.ConnectAsync(_functions.BaseAddress, user.UserId, user.AccessToken, serverless: true);
        await mine.WaitForAsync(ChatHub.Ready);
        await using var theirs = await RealtimeClient.ConnectAsync(_functions.BaseAddress, user.UserId, other.AccessToken, serverless: true);
        // Ready comes after the upstream has tied the connection to its session.
        await theirs.WaitForAsync(ChatHub.Ready);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        theirs.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        var changed = await user.PostAsync("api/auth/password", new { currentPassword = user.Password, newPassword = "another long passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        // Through the service's REST API (POST groups/{session}/:closeConnections), at once.
        await closed.Task.WaitAsync(RealtimeClient.Timeout);
        Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, mine.Connection.State);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.PostAsync("api/negotiate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.PostAsync("api/negotiate", null)).StatusCode);
    }

    private static async Task<bool> IsOnlineAsync(ChatApiClient viewer, string userId)
    {
        var presence = await ChatApiClient.ReadAsync(await viewer.GetAsync($"/api/presence?userIds={userId}"), HttpStatusCode.OK);
        return (bool)presence["items"]![0]!["online"]!;
    }
}
