using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.ServerApi;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.RateLimiting;

public enum RateLimitPolicy
{
    None,
    /// <summary>Anonymous auth routes: counted per source network (an IPv4 address, an IPv6 /64).</summary>
    PerClientAddress,
    /// <summary>Everything behind a token: counted per user.</summary>
    PerUser,
    /// <summary>The server API: counted per credential (<c>Admin:PermitsPerMinute</c>).</summary>
    PerServerKey,
}

public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    [Range(1, 1_000_000)]
    public int AuthPermitsPerMinute { get; set; } = 20;

    [Range(1, 1_000_000)]
    public int PermitsPerMinute { get; set; } = 600;

    /// <summary>
    /// Take the client address from the last X-Forwarded-For entry, the one the trusted front end appended.
    /// Only for hosts that always sit behind such a proxy (Azure Functions does); a client can forge the header
    /// otherwise.
    /// </summary>
    public bool TrustForwardedFor { get; set; }
}

/// <summary>
/// Fixed one-minute windows whose counters live in the shared store (or Redis), so every instance of the app
/// counts against the same limit.
/// </summary>
public sealed class RequestRateLimiter(IRateLimitCounterStore counters, IOptions<RateLimitingOptions> options, IOptions<ServerApiOptions> serverOptions, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public async ValueTask CheckAsync(RateLimitPolicy policy, HttpContext context)
    {
        var settings = options.Value;
        var (key, permits) = policy switch
        {
            RateLimitPolicy.PerClientAddress => ($"ip:{NetworkOf(context)}", settings.AuthPermitsPerMinute),
            RateLimitPolicy.PerUser when Caller.Of(context) is { } caller => ($"user:{caller.UserId}", settings.PermitsPerMinute),
            RateLimitPolicy.PerServerKey when ServerCaller.Of(context) is { } server => ($"server:{server.Name}", serverOptions.Value.PermitsPerMinute),
            _ => (null, 0),
        };
        if (key is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var windowEnd = WindowEnd(now);
        var count = await counters.IncrementAsync(key, windowEnd, context.RequestAborted);
        if (count > permits)
        {
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "Too many requests", "The rate limit was reached; retry later.")
            {
                RetryAfter = windowEnd - now,
            };
        }
    }

    /// <summary>The end of the fixed one-minute window that <paramref name="now"/> falls in: the key's expiry in the counter store.</summary>
    public static DateTimeOffset WindowEnd(DateTimeOffset now) =>
        new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero) + Window;

    /// <summary>The source network of the request (see <see cref="SourceNetwork"/>), trusting X-Forwarded-For as configured.</summary>
    public string NetworkOf(HttpContext context) => SourceNetwork.Of(context, options.Value.TrustForwardedFor);
}
