using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// Password guessing against one account (issue 29, finding 7), over HTTP. The host trusts X-Forwarded-For, so
/// each attempt names its own source; the per-address request limit is set out of the way, and waits are a
/// minute long, so nothing here runs out while a test runs.
/// </summary>
public sealed class PasswordThrottleTests(PasswordThrottleTests.ThrottleHost fixture) : IClassFixture<PasswordThrottleTests.ThrottleHost>
{
    private const int PerNetwork = 3;
    private const int PerAccount = 8;
    private const string Password = "correct horse battery";
    private const string Wrong = "not the password at all";

    [Fact]
    public async Task GuessesFromOneNetworkAreRefusedBeforeThePasswordIsCheckedAndAnIPv6SlashSixtyFourIsOneNetwork()
    {
        var owner = await RegisterAsync("guessed");
        var prefix = NewIPv6Prefix();

        for (var i = 0; i < PerNetwork; i++)
        {
            await ChatApiClient.ReadProblemAsync(await LoginFromAsync($"{prefix}::{i + 1:x}", owner.Username, Wrong), HttpStatusCode.Unauthorized);
        }

        // Even the right password waits now, from any address of the same /64.
        var refused = await LoginFromAsync($"{prefix}:ffff:ffff:ffff:ffff", owner.Username, Password);
        await ChatApiClient.ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.InRange(RetryAfter(refused), 55, 60);
        await ChatApiClient.ReadProblemAsync(await LoginFromAsync($"{prefix}::1", owner.Username, Password), HttpStatusCode.TooManyRequests);

        // Another network is not held up by that one: the owner signs in.
        await ChatApiClient.ReadAsync(await LoginFromAsync(NewIPv4(), owner.Username, Password), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await LoginFromAsync($"{NewIPv6Prefix()}::1", owner.Email, Password), HttpStatusCode.OK);
    }

    [Fact]
    public async Task AHundredWrongPasswordsFromFiveAddressesLeaveTheRightOneRefusedFromANewNetworkButNotFromTheOwners()
    {
        var owner = await RegisterAsync("spread");
        var home = NewIPv4();
        await ChatApiClient.ReadAsync(await LoginFromAsync(home, owner.Username, Password), HttpStatusCode.OK);

        var statuses = await SpreadGuessesAsync(owner.Username);

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), PerNetwork, PerAccount);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"answered {s}"));
        var stranger = await LoginFromAsync(NewIPv4(), owner.Username, Password);
        await ChatApiClient.ReadProblemAsync(stranger, HttpStatusCode.TooManyRequests);
        Assert.InRange(RetryAfter(stranger), 1, 60);

        // The owner's network signed in before: the strangers' failures do not hold it up.
        await ChatApiClient.ReadAsync(await LoginFromAsync(home, owner.Username, Password), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await LoginFromAsync(home, owner.Email, Password), HttpStatusCode.OK);
    }

    [Fact]
    public async Task AnAccountThatDoesNotExistIsThrottledExactlyLikeOneThatDoes()
    {
        var owner = await RegisterAsync("exists");
        var absent = ChatApiClient.UniqueName("absent");

        var existing = await SpreadGuessesAsync(owner.Username);
        var missing = await SpreadGuessesAsync(absent);

        Assert.Equal(existing, missing);
        Assert.Contains(HttpStatusCode.TooManyRequests, missing);
    }

    [Fact]
    public async Task ConcurrentGuessesGetNoMoreTriesThanGuessesInTurn()
    {
        for (var round = 0; round < 8; round++)
        {
            var owner = await RegisterAsync("burst");

            // One network: exactly its free failures are checked, whatever the interleaving.
            var network = NewIPv4();
            var oneNetwork = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => LoginFromAsync(network, owner.Username, Wrong)));
            Assert.Equal(PerNetwork, oneNetwork.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
            Assert.Equal(20 - PerNetwork, oneNetwork.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));

            // Many networks at once: the account's total holds too (the first network's failures count in it).
            var many = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => LoginFromAsync(NewIPv4(), owner.Username, Wrong)));
            Assert.InRange(many.Count(r => r.StatusCode == HttpStatusCode.Unauthorized), 0, PerAccount - PerNetwork);
            await ChatApiClient.ReadProblemAsync(await LoginFromAsync(NewIPv4(), owner.Username, Password), HttpStatusCode.TooManyRequests);
        }
    }

    /// <summary>20 wrong passwords from each of 5 addresses, in turn; the statuses in order.</summary>
    private async Task<List<HttpStatusCode>> SpreadGuessesAsync(string username)
    {
        var addresses = Enumerable.Range(0, 5).Select(_ => NewIPv4()).ToList();
        var statuses = new List<HttpStatusCode>();
        foreach (var address in addresses)
        {
            for (var i = 0; i < 20; i++)
            {
                using var response = await LoginFromAsync(address, username, Wrong);
                statuses.Add(response.StatusCode);
            }
        }

        return statuses;
    }

    internal static int RetryAfter(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), "429 without Retry-After");
        return int.Parse(Assert.Single(values), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static int s_networks;

    // The benchmarking range (198.18.0.0/15) and the IPv6 documentation range, a network of its own each time.
    private static string NewIPv4()
    {
        var n = Interlocked.Increment(ref s_networks);
        return $"198.{18 + (n >> 16 & 1)}.{n >> 8 & 0xff}.{n & 0xff}";
    }

    private static string NewIPv6Prefix() => $"2001:db8:7:{Interlocked.Increment(ref s_networks):x}";

    private Task<HttpResponseMessage> LoginFromAsync(string address, string name, string password) =>
        SendFromAsync(fixture.Host.Client, address, "api/auth/login", name.Contains('@', StringComparison.Ordinal) ? new { email = name, password } : (object)new { username = name, password });

    internal static Task<HttpResponseMessage> SendFromAsync(HttpClient http, string address, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", address);
        return http.SendAsync(request);
    }

    private async Task<ChatApiClient> RegisterAsync(string prefix)
    {
        var username = ChatApiClient.UniqueName(prefix);
        var session = await ChatApiClient.ReadAsync(
            await SendFromAsync(fixture.Host.Client, NewIPv4(), "api/auth/register", new { username, email = $"{username}@example.test", password = Password }),
            HttpStatusCode.Created);
        return new ChatApiClient(fixture.Host.Client, (string)session["user"]!["id"]!, username, $"{username}@example.test", Password,
            (string)session["accessToken"]!, (string)session["refreshToken"]!);
    }

    public sealed class ThrottleHost : IAsyncLifetime
    {
        public StandaloneHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting__AuthPermitsPerMinute"] = "100000",
            ["RateLimiting__TrustForwardedFor"] = "true",
            ["RateLimiting__Passwords__FailuresPerNetwork"] = PerNetwork.ToString(CultureInfo.InvariantCulture),
            ["RateLimiting__Passwords__FailuresPerAccount"] = PerAccount.ToString(CultureInfo.InvariantCulture),
            ["RateLimiting__Passwords__FirstDelaySeconds"] = "60",
        });

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}

/// <summary>The waits grow: a host whose first wait is one second, so a test can honour each Retry-After.</summary>
public sealed class PasswordBackoffTests(PasswordBackoffTests.BackoffHost fixture) : IClassFixture<PasswordBackoffTests.BackoffHost>
{
    private const string Password = "correct horse battery";
    private const string Wrong = "not the password at all";

    [Fact]
    public async Task EachWrongPasswordPastTheFreeOnesDoublesTheWaitAndASignInStartsTheCountOver()
    {
        var username = ChatApiClient.UniqueName("backoff");
        const string address = "203.0.113.77";
        await ChatApiClient.ReadAsync(await PasswordThrottleTests.SendFromAsync(fixture.Host.Client, "203.0.113.1", "api/auth/register",
            new { username, email = $"{username}@example.test", password = Password }), HttpStatusCode.Created);

        await ChatApiClient.ReadProblemAsync(await LoginAsync(address, username, Wrong), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await LoginAsync(address, username, Wrong), HttpStatusCode.Unauthorized);

        var waits = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var refused = await LoginAsync(address, username, i < 2 ? Wrong : Password);
            await ChatApiClient.ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
            var wait = PasswordThrottleTests.RetryAfter(refused);
            waits.Add(wait);
            // A client that honours Retry-After gets its next try then.
            await Task.Delay(TimeSpan.FromSeconds(wait));
            if (i < 2)
            {
                await ChatApiClient.ReadProblemAsync(await LoginAsync(address, username, Wrong), HttpStatusCode.Unauthorized);
            }
        }

        Assert.Equal([1, 2, 4], waits);
        await ChatApiClient.ReadAsync(await LoginAsync(address, username, Password), HttpStatusCode.OK);
        await ChatApiClient.ReadProblemAsync(await LoginAsync(address, username, Wrong), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await LoginAsync(address, username, Wrong), HttpStatusCode.Unauthorized);
        var again = await LoginAsync(address, username, Wrong);
        await ChatApiClient.ReadProblemAsync(again, HttpStatusCode.TooManyRequests);
        Assert.Equal(1, PasswordThrottleTests.RetryAfter(again));
    }

    private Task<HttpResponseMessage> LoginAsync(string address, string username, string password) =>
        PasswordThrottleTests.SendFromAsync(fixture.Host.Client, address, "api/auth/login", new { username, password });

    public sealed class BackoffHost : IAsyncLifetime
    {
        public StandaloneHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting__AuthPermitsPerMinute"] = "100000",
            ["RateLimiting__TrustForwardedFor"] = "true",
            ["RateLimiting__Passwords__FailuresPerNetwork"] = "2",
            ["RateLimiting__Passwords__FirstDelaySeconds"] = "1",
        });

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
