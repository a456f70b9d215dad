using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.RateLimiting;

public sealed class PasswordThrottleOptions
{
    public const string Section = "RateLimiting:Passwords";

    /// <summary>Wrong passwords for one account from one source network before each further try waits.</summary>
    [Range(1, 1000)]
    public int FailuresPerNetwork { get; set; } = 5;

    /// <summary>Wrong passwords for one account from every network together before networks it never signed in from wait.</summary>
    [Range(1, 100_000)]
    public int FailuresPerAccount { get; set; } = 20;

    /// <summary>The first wait; each further wrong password doubles it.</summary>
    [Range(1, 3600)]
    public int FirstDelaySeconds { get; set; } = 1;

    [Range(1, 86_400)]
    public int MaxDelaySeconds { get; set; } = 900;

    /// <summary>Failures are forgotten after this long without another one.</summary>
    [Range(1, 10_080)]
    public int ForgetAfterMinutes { get; set; } = 60;

    /// <summary>A network the account signed in from is remembered this long after its last sign-in.</summary>
    [Range(1, 365)]
    public int KnownNetworkDays { get; set; } = 30;
}

/// <summary>
/// Throttles password guessing for one account without letting a stranger lock its owner out: every check of a
/// password (login, password change, account deletion) goes through <see cref="VerifyAsync"/>.
/// </summary>
/// <remarks>
/// Failures are counted per (account, source network) and per account across all networks, as strike records in
/// the rate-limit counter store (process memory, Redis or MongoDB, like every other limit). Past a few failures a
/// further try waits <see cref="PasswordThrottleOptions.FirstDelaySeconds"/> doubled per failure, answered 429 with
/// <c>Retry-After</c> before the password is even checked. The account-wide count spares the networks the account
/// signed in from within <see cref="PasswordThrottleOptions.KnownNetworkDays"/> (one record per account and
/// network, kept by successful sign-ins): strangers spread over many addresses slow each other down, never the
/// owner at home. A network, not a device cookie, because API clients and SDKs keep no cookies; the price is that
/// someone behind the owner's own NAT counts as known, and still meets the per-network wait. An account that does
/// not exist is counted the same way under its name, so the answers never tell whether it exists.
/// Each try takes a strike before its password is checked, atomically, so a burst of concurrent guesses gets no
/// more tries than a sequence would; a success clears its network's count.
/// </remarks>
public sealed class PasswordAttemptThrottle(IRateLimitCounterStore store, IOptions<PasswordThrottleOptions> options, TimeProvider time)
{
    /// <summary>The account key of a name that matches no account: counted like an account, under that name.</summary>
    public static string UnknownAccount(string kind, string name) => $"unknown:{kind}:{name.Trim().ToUpperInvariant()}";

    /// <summary>
    /// Runs <paramref name="verify"/> (the password check) unless <paramref name="account"/> must wait from
    /// <paramref name="network"/> (then 429 with <c>Retry-After</c>), and counts its outcome.
    /// </summary>
    public async Task<bool> VerifyAsync(string account, string network, Func<bool> verify, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(verify);
        var settings = options.Value;
        var now = time.GetUtcNow();
        var networkKey = $"pw:{account}:{network}";
        var accountKey = $"pw:{account}";
        var knownKey = $"pw-known:{account}:{network}";

        var known = await store.FindStrikesAsync(knownKey, now, ct) is not null;
        // Read first, so that tries while waiting are refused without counting: hammering does not lengthen the wait.
        ThrowIfWaiting(await store.FindStrikesAsync(networkKey, now, ct), settings.FailuresPerNetwork, now);
        if (!known)
        {
            ThrowIfWaiting(await store.FindStrikesAsync(accountKey, now, ct), settings.FailuresPerAccount, now);
        }

        // Then take the strikes: of concurrent tries each sees a different count, so only as many pass as would in turn.
        ThrowIfWaiting(await store.StrikeAsync(networkKey, now, ExpiresAt(now, settings), ct), settings.FailuresPerNetwork, now);
        if (!known)
        {
            ThrowIfWaiting(await store.StrikeAsync(accountKey, now, ExpiresAt(now, settings), ct), settings.FailuresPerAccount, now);
        }

        if (verify())
        {
            await store.ClearStrikesAsync(networkKey, ct);
            await store.StrikeAsync(knownKey, now, now.AddDays(settings.KnownNetworkDays), ct);
            return true;
        }

        if (known)
        {
            // The owner's own typos still count toward the account's total, as anyone else's.
            await store.StrikeAsync(accountKey, now, ExpiresAt(now, settings), ct);
        }

        return false;
    }

    private void ThrowIfWaiting(StrikeRecord? failures, int free, DateTimeOffset now)
    {
        if (failures is null || failures.Count < free)
        {
            return;
        }

        var until = failures.LastAt + Delay(failures.Count - free);
        if (now < until)
        {
            // One answer for a network's wait and an account's, so it tells nothing about either.
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "Too many requests",
                "Too many wrong passwords for this account; retry later.")
            {
                RetryAfter = until - now,
            };
        }
    }

    private TimeSpan Delay(long beyondFree)
    {
        var settings = options.Value;
        var seconds = settings.FirstDelaySeconds * Math.Pow(2, Math.Min(beyondFree, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, settings.MaxDelaySeconds));
    }

    private static DateTimeOffset ExpiresAt(DateTimeOffset now, PasswordThrottleOptions settings) =>
        now + TimeSpan.FromMinutes(settings.ForgetAfterMinutes) + TimeSpan.FromSeconds(settings.MaxDelaySeconds);
}
