using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Realtime;

/// <summary>The per-user share of realtime connections, in the <c>Limits</c> section both hosts read.</summary>
public sealed class HubConnectionLimitOptions
{
    public const string Section = "Limits";

    /// <summary>Hub connections one user may hold at once, negotiated ones not yet open included; negotiate answers 429 beyond.</summary>
    [Range(1, 10_000)]
    public int MaxHubConnectionsPerUser { get; set; } = 20;

    /// <summary>How long a successful negotiate holds a slot for the connection that follows it (the standalone host's admission reads it too).</summary>
    [Range(1, 600)]
    public int NegotiateReservationSeconds { get; set; } = 30;

    /// <summary>The <c>Retry-After</c> of a refused negotiate (the standalone host's admission reads it too).</summary>
    [Range(1, 600)]
    public int RetryAfterSeconds { get; set; } = 5;
}

/// <summary>
/// Keeps one user from taking every realtime slot: a negotiate is refused (429) once the user's open connections
/// and its negotiates not yet connected reach <see cref="HubConnectionLimitOptions.MaxHubConnectionsPerUser"/>.
/// </summary>
/// <remarks>
/// Open connections are presence's count, which both hosts keep from their connect and disconnect events (the
/// hub's, or SignalR Service's upstream), shared by every instance. Negotiates are strikes in the rate-limit
/// counter store, and each connection that opens takes one back (a second strike record), so a reservation is
/// counted until its connection is, and never twice. A negotiate's strike answers the count before it, so of a
/// burst of concurrent negotiates only as many pass as there are slots. Both records lapse together once the
/// user has not reserved for the reservation time (a negotiate whose connection never comes holds its slot
/// until then).
/// </remarks>
public sealed class HubConnectionCap(IPresenceStore presence, IRateLimitCounterStore counters, IOptions<HubConnectionLimitOptions> options, TimeProvider time)
{
    public async Task ReserveAsync(string userId, CancellationToken ct)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        // Taken-back reservations before open connections: a connection that opens in between is then counted
        // twice (refusing too early for a moment), never not at all.
        var connected = (await counters.FindStrikesAsync(ConnectedKey(userId), now, ct))?.Count ?? 0;
        var open = (await presence.GetAsync([userId], ct)).FirstOrDefault()?.Connections ?? 0;
        // Read first: a client retrying at its cap is refused without reserving, so its retries hold nothing.
        ThrowIfFull(open + Pending(await counters.FindStrikesAsync(NegotiatedKey(userId), now, ct), connected), settings);

        var before = await counters.StrikeAsync(NegotiatedKey(userId), now, now.AddSeconds(settings.NegotiateReservationSeconds), ct);
        if (before is null)
        {
            // A fresh round: connections taken back against the last one do not count against this one.
            await counters.ClearStrikesAsync(ConnectedKey(userId), ct);
        }

        // Concurrent negotiates each count the ones before them. One refused here keeps its reservation until the
        // round lapses: taking it back could let a concurrent one past the cap.
        ThrowIfFull(open + Pending(before, connected), settings);
    }

    /// <summary>A connection of the user opened: it was counted as a reservation until now.</summary>
    public Task ConnectedAsync(string userId, CancellationToken ct) => TakeBackAsync(userId, time.GetUtcNow(), ct);

    private async Task TakeBackAsync(string userId, DateTimeOffset now, CancellationToken ct)
    {
        // Lives as long as the negotiates it is counted against.
        if (await counters.FindStrikesAsync(NegotiatedKey(userId), now, ct) is { } negotiated)
        {
            await counters.StrikeAsync(ConnectedKey(userId), now, negotiated.ExpiresAt, ct);
        }
    }

    private static long Pending(StrikeRecord? negotiated, long connected) =>
        negotiated is null ? 0 : Math.Max(0, negotiated.Count - connected);

    private static void ThrowIfFull(long held, HubConnectionLimitOptions settings)
    {
        if (held >= settings.MaxHubConnectionsPerUser)
        {
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "Too many requests",
                $"A user holds at most {settings.MaxHubConnectionsPerUser} realtime connections; close one or retry later.")
            {
                RetryAfter = TimeSpan.FromSeconds(settings.RetryAfterSeconds),
            };
        }
    }

    private static string NegotiatedKey(string userId) => $"hub-negotiated:{userId}";

    private static string ConnectedKey(string userId) => $"hub-connected:{userId}";
}
