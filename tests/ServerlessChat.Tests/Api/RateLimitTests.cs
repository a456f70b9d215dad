using System.Net;
using System.Net.Http.Json;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// One host with low limits for this class only. It trusts X-Forwarded-For, so each attempt can come from an
/// address of its own and no other request counts against it.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.LowLimitHost fixture) : IClassFixture<RateLimitTests.LowLimitHost>
{
    private const int Permits = 3;

    [Fact]
    public async Task TheFourthLoginAttemptFromOneAddressWithinAMinuteAnswersTooManyRequests()
    {
        var attempt = new { username = "nobody_here", password = "guessing passwords" };

        var responses = await WithinOneWindowAsync(async () =>
        {
            var address = NewAddress();
            var answers = new List<HttpResponseMessage>();
            for (var i = 0; i <= Permits; i++)
            {
                answers.Add(await PostFromAsync(address, "api/auth/login", attempt));
            }

            // The limit covers every auth route of the address, so registering is refused too.
            answers.Add(await PostFromAsync(address, "api/auth/register", new { username = ChatApiClient.UniqueName("late"), email = $"{Guid.NewGuid():N}@example.test", password = "long enough pw" }));
            return answers;
        });

        for (var i = 0; i < Permits; i++)
        {
            await ChatApiClient.ReadProblemAsync(responses[i], HttpStatusCode.Unauthorized);
        }

        await ChatApiClient.ReadProblemAsync(responses[Permits], HttpStatusCode.TooManyRequests);
        AssertRetryAfter(responses[Permits]);
        await ChatApiClient.ReadProblemAsync(responses[Permits + 1], HttpStatusCode.TooManyRequests);
        await ChatApiClient.ReadProblemAsync(await PostFromAsync(NewAddress(), "api/auth/login", attempt), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EveryAddressOfOneIPv6SlashSixtyFourCountsAgainstOneLimit()
    {
        var attempt = new { username = "nobody_there", password = "guessing passwords" };

        var responses = await WithinOneWindowAsync(async () =>
        {
            // 2001:db8:N::1, ::2, ... all lie in 2001:db8:N::/64; the next /64 up is another source.
            var network = NewAddress()[..^1];
            var answers = new List<HttpResponseMessage>();
            for (var i = 1; i <= Permits + 1; i++)
            {
                answers.Add(await PostFromAsync($"{network}{i:x}", "api/auth/login", attempt));
            }

            answers.Add(await PostFromAsync(NewAddress(), "api/auth/login", attempt));
            return answers;
        });

        for (var i = 0; i < Permits; i++)
        {
            await ChatApiClient.ReadProblemAsync(responses[i], HttpStatusCode.Unauthorized);
        }

        await ChatApiClient.ReadProblemAsync(responses[Permits], HttpStatusCode.TooManyRequests);
        await ChatApiClient.ReadProblemAsync(responses[Permits + 1], HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheRequestBeyondAUsersLimitAnswersTooManyRequestsAndOtherUsersAreNotAffected()
    {
        var responses = await WithinOneWindowAsync(async () =>
        {
            var alice = await RegisterAsync("busy");
            var bob = await RegisterAsync("calm");
            var answers = new List<HttpResponseMessage>();
            for (var i = 0; i < Permits; i++)
            {
                answers.Add(await alice.GetAsync("api/users/me"));
            }

            answers.Add(await alice.GetAsync("api/groups"));
            answers.Add(await bob.GetAsync("api/users/me"));
            return answers;
        });

        for (var i = 0; i < Permits; i++)
        {
            await ChatApiClient.ReadAsync(responses[i], HttpStatusCode.OK);
        }

        await ChatApiClient.ReadProblemAsync(responses[Permits], HttpStatusCode.TooManyRequests);
        AssertRetryAfter(responses[Permits]);
        await ChatApiClient.ReadAsync(responses[Permits + 1], HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await fixture.Host.Client.GetAsync("api/health"), HttpStatusCode.OK);
    }

    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), "429 without Retry-After");
        var text = Assert.Single(values);
        Assert.True(int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds), $"Retry-After '{text}' is not whole seconds");
        Assert.InRange(seconds, 1, 60);
    }

    /// <summary>
    /// The limits count in fixed windows on the minute. When a run happens to span two windows its counts are
    /// split, so it is run again (with fresh addresses and users) rather than judged.
    /// </summary>
    private static async Task<T> WithinOneWindowAsync<T>(Func<Task<T>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            var window = Window(DateTime.UtcNow);
            var result = await run();
            if (Window(DateTime.UtcNow) == window || attempt == 3)
            {
                return result;
            }
        }

        static long Window(DateTime at) => at.Ticks / TimeSpan.TicksPerMinute;
    }

    private static int s_addresses;

    // Documentation-range addresses, each in a /64 of its own (a /64 counts as one source), never the same twice in a run.
    private static string NewAddress() => $"2001:db8:{Interlocked.Increment(ref s_addresses):x}::1";

    private Task<HttpResponseMessage> PostFromAsync(string address, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", address);
        return fixture.Host.Client.SendAsync(request);
    }

    private async Task<ChatApiClient> RegisterAsync(string prefix)
    {
        // Each registration from an address of its own, so the auth limit never interferes.
        var username = ChatApiClient.UniqueName(prefix);
        var response = await PostFromAsync(NewAddress(), "api/auth/register", new { username, email = $"{username}@example.test", password = "correct horse battery" });
        var session = await ChatApiClient.ReadAsync(response, HttpStatusCode.Created);
        return new ChatApiClient(fixture.Host.Client, (string)session["user"]!["id"]!, username, $"{username}@example.test", "correct horse battery",
            (string)session["accessToken"]!, (string)session["refreshToken"]!);
    }

    public sealed class LowLimitHost : IAsyncLifetime
    {
        public StandaloneHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting__AuthPermitsPerMinute"] = Permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimiting__PermitsPerMinute"] = Permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimiting__TrustForwardedFor"] = "true",
        });

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
