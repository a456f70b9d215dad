using System.Net;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

/// <summary>One account cannot take every realtime slot (issue 29, finding 5): real SignalR clients on the standalone host.</summary>
[Collection(RealtimeHostCollection.Name)]
public sealed class HubConnectionCapTests(RealtimeHostFixture fixture)
{
    private const int Cap = 20;

    [Fact]
    public async Task TheTwentyFirstConnectionOfOneUserIsRefusedWhileAnotherUserGetsInAndClosingOneLetsItIn()
    {
        var hog = await ChatApiClient.RegisterAsync(fixture.Host.Client, "hog");
        var other = await ChatApiClient.RegisterAsync(fixture.Host.Client, "other");
        var clients = new List<RealtimeClient>();
        try
        {
            // Each client negotiates at /api/negotiate, then opens its WebSocket.
            for (var i = 0; i < Cap; i++)
            {
                clients.Add(await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, hog.UserId, hog.AccessToken));
            }

            var refused = await hog.PostAsync("api/negotiate", null);
            var problem = await ChatApiClient.ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Equal(429, (int)problem["status"]!);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
            await ChatApiClient.ReadAsync(await other.PostAsync("api/negotiate", null), HttpStatusCode.OK);
            await using (await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, other.UserId, other.AccessToken))
            {
            }

            // One closes: once the host has counted it out, the user gets in again, and only once.
            await clients[0].DisposeAsync();
            clients.RemoveAt(0);
            await WaitUntilAsync(async () => (await hog.PostAsync("api/negotiate", null)).StatusCode == HttpStatusCode.OK);
            await ChatApiClient.ReadProblemAsync(await hog.PostAsync("api/negotiate", null), HttpStatusCode.TooManyRequests);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // All closed: the reservation of the negotiate above is the only one left.
        await WaitUntilAsync(async () => (await hog.PostAsync("api/negotiate", null)).StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task OfABurstOfConcurrentNegotiatesExactlyTheCapPasses()
    {
        for (var round = 0; round < 8; round++)
        {
            var user = await ChatApiClient.RegisterAsync(fixture.Host.Client, "burst");

            var answers = await Task.WhenAll(Enumerable.Range(0, 2 * Cap).Select(_ => user.PostAsync("api/negotiate", null)));

            Assert.Equal(Cap, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(Cap, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
            await ChatApiClient.ReadProblemAsync(await user.PostAsync("api/negotiate", null), HttpStatusCode.TooManyRequests);
        }
    }

    /// <summary>Polls a condition the host reaches after an event it does not announce (a disconnect counted out).</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(RealtimeClient.Timeout);
        while (!await condition())
        {
            await Task.Delay(100, timeout.Token);
        }
    }
}
