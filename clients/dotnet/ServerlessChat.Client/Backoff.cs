namespace ServerlessChat.Client;

/// <summary>How long to wait before a reconnect or a retried request.</summary>
internal static class Backoff
{
    /// <summary>No wait is longer than this, unless the server asked for longer with <c>Retry-After</c>.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    private const double FirstMilliseconds = 100;

    /// <summary>
    /// Doubling from 100 ms up to 2 s, each drawn between half and all of that ceiling so that clients dropped
    /// together do not come back together. A <c>Retry-After</c> (429 at the user's connection cap, 503 from a full
    /// or draining host) is a floor, with up to a quarter second of jitter on top.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan? retryAfter = null)
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, FirstMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 16)));
        var delay = TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
        if (retryAfter is not { } floor || floor <= TimeSpan.Zero)
        {
            return delay;
        }

        var jittered = floor + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * 250);
        return jittered > delay ? jittered : delay;
    }
}
