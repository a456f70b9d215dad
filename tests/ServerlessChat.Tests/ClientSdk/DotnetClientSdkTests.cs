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
}
