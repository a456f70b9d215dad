using System.Net;
using System.Net.Http.Json;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>Each test has a host of its own with low limits, so no other test's requests count against them.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task TheFourthLoginAttemptFromOneAddressWithinAMinuteAnswersTooManyRequests()
    {
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["RateLimiting__AuthPermitsPerMinute"] = "3" });
        await WaitForAFreshWindowAsync();
        var attempt = new { username = "nobody_here", password = "guessing passwords" };

        for (var i = 0; i < 3; i++)
        {
            await ChatApiClient.ReadProblemAsync(await host.Client.PostAsJsonAsync("api/auth/login", attempt), HttpStatusCode.Unauthorized);
        }

        var limited = await host.Client.PostAsJsonAsync("api/auth/login", attempt);

        await ChatApiClient.ReadProblemAsync(limited, HttpStatusCode.TooManyRequests);
        AssertRetryAfter(limited);
        // The limit is per address on every auth route, so registering is refused too.
        var register = await host.Client.PostAsJsonAsync("api/auth/register", new { username = "late_user", email = "late@example.test", password = "long enough pw" });
        await ChatApiClient.ReadProblemAsync(register, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task TheRequestBeyondAUsersLimitAnswersTooManyRequestsAndOtherUsersAreNotAffected()
    {
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["RateLimiting__PermitsPerMinute"] = "3" });
        await WaitForAFreshWindowAsync();
        var alice = await ChatApiClient.RegisterAsync(host.Client, "busy");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "calm");

        for (var i = 0; i < 3; i++)
        {
            await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK);
        }

        var limited = await alice.GetAsync("api/groups");

        await ChatApiClient.ReadProblemAsync(limited, HttpStatusCode.TooManyRequests);
        AssertRetryAfter(limited);
        await ChatApiClient.ReadAsync(await bob.GetAsync("api/users/me"), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await host.Client.GetAsync("api/health"), HttpStatusCode.OK);
    }

    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), "429 without Retry-After");
        var text = Assert.Single(values);
        Assert.True(int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds), $"Retry-After '{text}' is not whole seconds");
        Assert.InRange(seconds, 1, 60);
    }

    /// <summary>
    /// The limits count in fixed windows on the minute. A test that began in a window's last seconds could see its
    /// requests split over two windows, so it starts in the next one instead.
    /// </summary>
    private static async Task WaitForAFreshWindowAsync()
    {
        var now = DateTime.UtcNow;
        if (now.Second >= 50)
        {
            await Task.Delay(TimeSpan.FromSeconds(60 - now.Second) - TimeSpan.FromMilliseconds(now.Millisecond) + TimeSpan.FromMilliseconds(100));
        }
    }
}
