using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// Sessions (login chains) over HTTP and SignalR on a host whose revocation list lives 2 seconds, so "within the
/// cache lifetime" is seen without waiting the default minute.
/// </summary>
public sealed partial class SessionsApiTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private const int CacheSeconds = 2;

    // Comfortably more than the cache lifetime plus the sweep period, far less than a token's 15 minutes.
    private static readonly TimeSpan EndedWithin = TimeSpan.FromSeconds(CacheSeconds * 5);

    private StandaloneHost _host = null!;

    private HttpClient Http => _host.Client;

    public async Task InitializeAsync() => _host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
    {
        ["Sessions__RevocationCacheSeconds"] = CacheSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task TwoConcurrentRefreshesOfOneTokenLetExactlyOneWinAndThenTheChainIsDead()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "race");
        for (var round = 0; round < 40; round++)
        {
            var token = (string)(await LoginAsync(user))["refreshToken"]!;

            var answers = await Task.WhenAll(RefreshRawAsync(token), RefreshRawAsync(token));

            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
            // The loser presented a token that was no longer current: reuse, so the winner's new token is dead too.
            var winner = await ChatApiClient.ReadAsync(answers.Single(a => a.StatusCode == HttpStatusCode.OK), HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshRawAsync((string)winner["refreshToken"]!)).StatusCode);
        }
    }

    [Fact]
    public async Task AThiefRotatingInALoopWhileTheOwnerPresentsTheOriginalNeverKeepsAWorkingChain()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "thief");
        for (var round = 0; round < 25; round++)
        {
            var original = (string)(await LoginAsync(user))["refreshToken"]!;
            var issued = new System.Collections.Concurrent.ConcurrentBag<string>();

            var thief = Task.Run(async () =>
            {
                var current = original;
                for (var i = 0; i < 8; i++)
                {
                    var answer = await RefreshRawAsync(current);
                    if (answer.StatusCode != HttpStatusCode.OK)
                    {
                        return;
                    }

                    current = (string)(await ChatApiClient.ReadAsync(answer, HttpStatusCode.OK))["refreshToken"]!;
                    issued.Add(current);
                }
            });
            var owner = Task.Run(async () =>
            {
                await Task.Delay(round % 5);
                var answer = await RefreshRawAsync(original);
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    issued.Add((string)(await ChatApiClient.ReadAsync(answer, HttpStatusCode.OK))["refreshToken"]!);
                }
            });
            await Task.WhenAll(thief, owner);

            // Whoever won each step, the original was presented twice: every token of the chain is dead.
            foreach (var token in issued)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshRawAsync(token)).StatusCode);
            }
        }
    }

    [Fact]
    public async Task ConcurrentRefreshesOfManySessionsAllSucceed()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "burst");
        // The sessions are made one after another: password checks in flight count against the account's
        // throttle until they succeed, and the burst here is of refreshes.
        var tokens = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            tokens.Add((string)(await LoginAsync(user))["refreshToken"]!);
        }

        var first = await Task.WhenAll(tokens.Select(RefreshRawAsync));
        Assert.All(first, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var next = await Task.WhenAll(first.Select(async a => (string)(await ChatApiClient.ReadAsync(a, HttpStatusCode.OK))["refreshToken"]!));
        var second = await Task.WhenAll(next.Select(RefreshRawAsync));
        Assert.All(second, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }

    [Fact]
    public async Task SessionsAreListedMostRecentlyUsedFirstWithTheCallersMarked()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "list");
        var phone = await LoginAsync(user, "Phone/1.0");
        var laptop = await LoginAsync(user, "Laptop/2.0");
        // The registration's session is used last, so it comes first.
        var registration = await ChatApiClient.ReadAsync(await RefreshRawAsync(user.RefreshToken, "Browser/3.0"), HttpStatusCode.OK);

        var list = await ChatApiClient.ReadAsync(await As(user, laptop).GetAsync("api/auth/sessions"), HttpStatusCode.OK);

        var items = list["items"]!.AsArray();
        Assert.Equal(3, items.Count);
        Assert.Equal(["Browser/3.0", "Laptop/2.0", "Phone/1.0"], items.Select(i => (string?)i!["userAgent"]));
        Assert.Equal([false, true, false], items.Select(i => (bool)i!["current"]!));
        Assert.All(items, i => Assert.Matches("^[0-9a-f]{24}$", (string)i!["id"]!));
        Assert.True((DateTimeOffset)items[0]!["lastUsedAt"]! >= (DateTimeOffset)items[0]!["createdAt"]!);
        Assert.NotNull(registration["accessToken"]);
        Assert.NotNull(phone["accessToken"]);
    }

    [Fact]
    public async Task DeletingASessionStopsItsRefreshAtOnceAndItsAccessTokenWithinTheCacheLifetime()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "del");
        var other = await LoginAsync(user);
        var me = As(user, other);
        var victimId = await SessionIdAsync(me, current: false);

        Assert.Equal(HttpStatusCode.NoContent, (await me.DeleteAsync($"api/auth/sessions/{victimId}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshRawAsync(user.RefreshToken)).StatusCode);
        await WaitForStatusAsync(() => user.GetAsync("api/users/me"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await me.GetAsync("api/users/me")).StatusCode);
        await ChatApiClient.ReadProblemAsync(await me.DeleteAsync($"api/auth/sessions/{victimId}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnotherUsersSessionOrAMadeUpIdIsNotFoundAndStaysLive()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "alice");
        var mallory = await ChatApiClient.RegisterAsync(Http, "mallory");
        var aliceSession = await SessionIdAsync(alice, current: true);

        await ChatApiClient.ReadProblemAsync(await mallory.DeleteAsync($"api/auth/sessions/{aliceSession}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await mallory.DeleteAsync("api/auth/sessions/000000000000000000000000"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await mallory.DeleteAsync("api/auth/sessions/not-an-id"), HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.OK, (await RefreshRawAsync(alice.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task SigningOutEverywhereElseEndsEverySessionButTheCallers()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "else");
        var others = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => LoginAsync(user)));

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync("api/auth/sessions")).StatusCode);

        foreach (var other in others)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshRawAsync((string)other["refreshToken"]!)).StatusCode);
        }

        var list = await ChatApiClient.ReadAsync(await user.GetAsync("api/auth/sessions"), HttpStatusCode.OK);
        Assert.True((bool)Assert.Single(list["items"]!.AsArray())!["current"]!);
        Assert.Equal(HttpStatusCode.OK, (await RefreshRawAsync(user.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task ChangingThePasswordEndsEveryOtherSessionAndKeepsTheCurrentOne()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "pw");
        var other = await LoginAsync(user);
        const string newPassword = "a new and longer passphrase";

        var wrong = await user.PostAsync("api/auth/password", new { currentPassword = "not the password", newPassword });
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(wrong, HttpStatusCode.BadRequest))["errors"]!["currentPassword"]);
        var tooShort = await user.PostAsync("api/auth/password", new { currentPassword = Password, newPassword = "short" });
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(tooShort, HttpStatusCode.BadRequest))["errors"]!["newPassword"]);
        Assert.Equal(HttpStatusCode.OK, (await As(user, other).GetAsync("api/users/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await user.PostAsync("api/auth/password", new { currentPassword = Password, newPassword })).StatusCode);

        await WaitForStatusAsync(() => As(user, other).GetAsync("api/users/me"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("api/users/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshRawAsync(user.RefreshToken)).StatusCode);
        await ChatApiClient.LoginAsync(Http, new { username = user.Username, password = Password }, HttpStatusCode.Unauthorized);
        await ChatApiClient.LoginAsync(Http, new { username = user.Username, password = newPassword });
    }

    [Fact]
    public async Task AnAccessTokenFromBeforeAPasswordResetLosesNegotiateAndItsOpenSocket()
    {
        var victim = await ChatApiClient.RegisterAsync(Http, "victim");
        var friend = await ChatApiClient.RegisterAsync(Http, "friend");
        var stolen = await LoginAsync(victim);
        var attacker = As(victim, stolen);
        await using var socket = await RealtimeClient.ConnectAsync(_host.BaseAddress, victim.UserId, attacker.AccessToken);
        var closed = ClosedAsync(socket);

        await ResetPasswordAsync(victim, "the owner's new passphrase");

        await closed.WaitAsync(EndedWithin);
        await WaitForStatusAsync(() => attacker.PostAsync("api/negotiate", null), HttpStatusCode.Unauthorized);
        await friend.SendMessageAsync(new { receiverId = victim.UserId, content = "after the reset" });
        Assert.Empty(socket.Received("newMessage"));
    }

    [Fact]
    public async Task LogoutClosesTheSessionsHubConnectionAndLeavesTheOthersOpen()
    {
        var user = await ChatApiClient.RegisterAsync(Http, "bye");
        var other = As(user, await LoginAsync(user));
        await using var leaving = await RealtimeClient.ConnectAsync(_host.BaseAddress, user.UserId, user.AccessToken);
        await using var staying = await RealtimeClient.ConnectAsync(_host.BaseAddress, user.UserId, other.AccessToken);
        var closed = ClosedAsync(leaving);

        Assert.Equal(HttpStatusCode.NoContent, (await user.PostAsync("api/auth/logout", new { refreshToken = user.RefreshToken })).StatusCode);

        await closed.WaitAsync(EndedWithin);
        await WaitForStatusAsync(() => user.PostAsync("api/negotiate", null), HttpStatusCode.Unauthorized);
        Assert.Equal(HubConnectionState.Connected, staying.Connection.State);
        await staying.ReadyAsync();
    }

    private static Task ClosedAsync(RealtimeClient client)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    private async Task<JsonNode> LoginAsync(ChatApiClient user, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = JsonContent.Create(new { username = user.Username, password = Password }) };
        if (userAgent is not null)
        {
            request.Headers.UserAgent.ParseAdd(userAgent);
        }

        return await ChatApiClient.ReadAsync(await Http.SendAsync(request), HttpStatusCode.OK);
    }

    private static ChatApiClient As(ChatApiClient user, JsonNode session) =>
        user.WithTokens((string)session["accessToken"]!, (string)session["refreshToken"]!);

    private Task<HttpResponseMessage> RefreshRawAsync(string refreshToken) => RefreshRawAsync(refreshToken, null);

    private async Task<HttpResponseMessage> RefreshRawAsync(string refreshToken, string? userAgent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/refresh") { Content = JsonContent.Create(new { refreshToken }) };
        if (userAgent is not null)
        {
            request.Headers.UserAgent.ParseAdd(userAgent);
        }

        return await Http.SendAsync(request);
    }

    private static async Task<string> SessionIdAsync(ChatApiClient caller, bool current)
    {
        var list = await ChatApiClient.ReadAsync(await caller.GetAsync("api/auth/sessions"), HttpStatusCode.OK);
        return (string)list["items"]!.AsArray().First(i => (bool)i!["current"]! == current)!["id"]!;
    }

    private static async Task WaitForStatusAsync(Func<Task<HttpResponseMessage>> request, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + EndedWithin;
        while (true)
        {
            var status = (await request()).StatusCode;
            if (status == expected)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"still {status} after {EndedWithin.TotalSeconds} s, expected {expected}");
            await Task.Delay(100);
        }
    }

    private async Task ResetPasswordAsync(ChatApiClient user, string newPassword)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsJsonAsync("api/auth/password-reset", new { email = user.Email })).StatusCode);
        var token = await ResetTokenAsync(user.Email);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.PostAsJsonAsync("api/auth/password-reset/confirm", new { token, newPassword })).StatusCode);
    }

    private Task<string> ResetTokenAsync(string email) => ResetMailbox.WaitForTokenAsync(_host.MailDirectory, email);
}
