using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Client;
using ServerlessChat.Client.Generator;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;
using ServerlessChat.Tests.Sync;

namespace ServerlessChat.Tests.ClientSdk;

/// <summary>
/// The .NET SDK (clients/dotnet) beyond the fault tests that run through it (Sync/SyncUnderFaultsTests,
/// Sync/CheckpointTests): its checked-in REST client against the document the host serves now, its outbox, and its
/// token renewal.
/// </summary>
public sealed class DotnetClientSdkTests
{
    [Fact]
    public async Task TheCheckedInRestClientEqualsWhatTheDocumentTheHostServesGenerates()
    {
        await using var host = await StandaloneHost.StartAsync();
        var served = await host.Client.GetStringAsync("api/openapi.json");

        var generated = await RestClientGenerator.GenerateAsync(served);

        var stale = RestClientGenerator.Stale(Path.Combine(RepoPaths.Root, "clients", "dotnet", "ServerlessChat.Client", "Generated"), generated);
        Assert.True(stale.Count == 0, "Stale generated files (run `dotnet run --project clients/dotnet/ServerlessChat.Client.Generator -- <host url>` and commit them): "
            + string.Join(", ", stale));
        Assert.Equal(ChatApiInfo.Version, (string?)JsonNode.Parse(served)!["info"]!["version"]);
    }

    [Fact]
    public async Task MessagesWrittenOfflineAreStoredOnceEachAfterTheReconnectInTheOrderTheyWereWritten()
    {
        await using var host = await StandaloneHost.StartAsync();
        var alice = await ChatApiClient.RegisterAsync(host.Client, "outbox");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "outbox");
        await using var sender = await ChatView.ConnectAsync(host.BaseAddress, alice);
        await using var receiver = await ChatView.ConnectAsync(host.BaseAddress, bob);

        await sender.Client.DisconnectAsync();
        var sends = Enumerable.Range(0, 5)
            .Select(i => sender.Client.SendMessageAsync(new SendMessageRequest { ReceiverId = bob.UserId, Content = $"offline {i}" }))
            .ToList();
        Assert.Equal(5, sender.Client.PendingMessages.Count);
        Assert.DoesNotContain(sends, s => s.IsCompleted);

        await sender.SyncedAsync();
        var stored = await Task.WhenAll(sends).WaitAsync(RealtimeClient.Timeout);

        Assert.Empty(sender.Client.PendingMessages);
        foreach (var message in stored)
        {
            await receiver.HasMessageAsync(message.Id);
            await sender.HasMessageAsync(message.Id);
        }

        var page = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}&limit=100"), HttpStatusCode.OK);
        var contents = page["items"]!.AsArray().Select(m => (string)m!["content"]!).Reverse().ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"offline {i}"), contents);
        Assert.Empty(sender.DeliveredTwice);
        Assert.Empty(receiver.DeliveredTwice);
    }

    [Fact]
    public async Task ConcurrentRequestsRefusedWithOneTokenAskTheProviderForANewOneOnceAndAllSucceed()
    {
        await using var host = await StandaloneHost.StartAsync();
        var user = await ChatApiClient.RegisterAsync(host.Client, "provider");
        using var appHttp = new HttpClient();
        // Many rounds: each a new client whose first token is refused (say, it expired) and whose next one is good;
        // every other one sends through an HttpClient of the app's instead of its own handler.
        for (var round = 0; round < 6; round++)
        {
            var asked = 0;
            await using var client = new ChatClient(new ChatClientOptions
            {
                BaseUrl = host.BaseAddress,
                HttpClient = round % 2 == 0 ? null : appHttp,
                TokenProvider = async ct =>
                {
                    await Task.Delay(10, ct);
                    return Interlocked.Increment(ref asked) == 1 ? "not-a-token" : user.AccessToken;
                },
            });

            var users = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.Api.GetMeAsync()));

            Assert.All(users, u => Assert.Equal(user.UserId, u.Id));
            Assert.Equal(2, Volatile.Read(ref asked));
        }
    }

    [Fact]
    public async Task ACursorOlderThanTheKeptHistoryRaisesResyncedAndTheClientGoesOnFromTheServersCursor()
    {
        await using var host = await StandaloneHost.StartAsync();
        var alice = await ChatApiClient.RegisterAsync(host.Client, "resync");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "resync");
        // A device that comes back after more than the kept history (30 days) still holds its old cursor.
        var stale = new ServerlessChat.Core.Sync.SyncCursor(DateTimeOffset.UtcNow.AddDays(-40).ToUnixTimeMilliseconds(), new Dictionary<ulong, long>()).Encode();
        await using var client = new ChatClient(new ChatClientOptions
        {
            BaseUrl = host.BaseAddress,
            TokenProvider = _ => ValueTask.FromResult(alice.AccessToken),
            Cursor = stale,
        });
        var resynced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Resynced += (_, cursor) => resynced.TrySetResult(cursor);
        var arrived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.NewMessage += (_, change) => arrived.TrySetResult(change.Data.Content);

        await client.ConnectAsync().WaitAsync(RealtimeClient.Timeout * 2);
        var fresh = await resynced.Task.WaitAsync(RealtimeClient.Timeout);

        Assert.NotEqual(stale, fresh);
        Assert.NotEqual(stale, client.Cursor);
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "after the resync" });
        Assert.Equal("after the resync", await arrived.Task.WaitAsync(RealtimeClient.Timeout));
    }

    [Fact]
    public async Task ASessionEndedFromAnotherDeviceRaisesSessionEndedOnceAndTheClientStopsReconnecting()
    {
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["Sessions__RevocationCacheSeconds"] = "2" });
        var name = $"ended{Guid.NewGuid():N}"[..20];
        await using var client = new ChatClient(new ChatClientOptions { BaseUrl = host.BaseAddress });
        var ended = new List<string>();
        var endedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionEnded += (_, reason) =>
        {
            lock (ended)
            {
                ended.Add(reason);
            }

            endedOnce.TrySetResult();
        };
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.RegisterAsync(new RegisterRequest { Username = name, Email = $"{name}@sdk.test", Password = "correct horse battery" });
        await client.ConnectAsync().WaitAsync(RealtimeClient.Timeout * 2);
        client.ConnectionStateChanged += (_, state) =>
        {
            if (state == ConnectionState.Disconnected)
            {
                disconnected.TrySetResult();
            }
        };

        // The same user on another device ends the client's session (the one that is not its own).
        var other = await ChatApiClient.LoginAsync(host.Client, new { username = name, password = "correct horse battery" });
        var phone = new ChatApiClient(host.Client, (string)other["user"]!["id"]!, name, $"{name}@sdk.test", "correct horse battery",
            (string)other["accessToken"]!, (string)other["refreshToken"]!);
        var sessions = await ChatApiClient.ReadAsync(await phone.GetAsync("api/auth/sessions"), HttpStatusCode.OK);
        var clients = sessions["items"]!.AsArray().Where(s => !(bool)s!["current"]!).Select(s => (string)s!["id"]!).ToList();
        Assert.Equal(HttpStatusCode.NoContent, (await phone.DeleteAsync($"api/auth/sessions/{Assert.Single(clients)}")).StatusCode);

        // Its connection is closed within the revocation period; the reconnect's negotiate and refresh are refused.
        await endedOnce.Task.WaitAsync(RealtimeClient.Timeout * 2);
        await disconnected.Task.WaitAsync(RealtimeClient.Timeout);
        Assert.Equal(ConnectionState.Disconnected, client.ConnectionState);
        Assert.Null(client.Session);
        lock (ended)
        {
            Assert.Single(ended);
        }
    }
}
