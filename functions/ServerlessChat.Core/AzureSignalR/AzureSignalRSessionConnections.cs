using System.Globalization;
using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// Keeps SignalR Service connections within their session and their token, with the service's own groups as the
/// only state: on connect, the connection joins its session's group (which <see cref="CloseSessionConnections"/>
/// closes) and the group of the 10-second slot in which it is due to close, its token's expiry plus a random 0
/// to 60 seconds; a timer closes the slots that have come due. The service keeps a connection open past its
/// token's expiry otherwise, and one opened with a token taken just before its session ended is closed at once.
/// </summary>
public sealed partial class AzureSignalRSessionConnections(
    AzureSignalRRestClient rest, AzureSignalRAuthorization authorization, ISessionStore sessions, TimeProvider time, ILogger<AzureSignalRSessionConnections> logger)
{
    /// <summary>How often the Functions timer closes due slots (every slot, 10 seconds wide).</summary>
    public const string SweepSchedule = "*/10 * * * * *";

    public const string ClaimsHeader = "X-ASRS-User-Claims";

    private const int SlotSeconds = 10;

    // Slots are closed again for this long after they come due, so a timer run that was late or failed is made up.
    private const int CatchUpSlots = 6;

    public static string ExpirySlotGroup(long slot) => $"expires-{slot.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The claims the service passes to the upstream, as <c>type= value, type= value</c>; null when the header
    /// does not name a session.
    /// </summary>
    public static string? SessionIdOf(string? claimsHeader)
    {
        if (string.IsNullOrEmpty(claimsHeader))
        {
            return null;
        }

        foreach (var pair in claimsHeader.Split(','))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && pair[..separator].Trim() == AzureSignalRTokens.SessionClaim)
            {
                var value = pair[(separator + 1)..].Trim();
                return value.Length > 0 ? value : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Ties a new connection to its session and its closing slot; closes it at once when its session has ended,
    /// or when it could not be tied to its session (it could then outlive it). Never throws: the service's REST
    /// failures are logged, as the publisher's are.
    /// </summary>
    public async Task ConnectedAsync(string connectionId, string? sessionId, CancellationToken ct)
    {
        try
        {
            var spread = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * 60_000);
            // The token was issued at negotiate, just before this connect: its expiry is at most now + its lifetime.
            var closeAt = time.GetUtcNow() + authorization.ClientTokenLifetime + spread;
            await rest.AddConnectionToGroupAsync(connectionId, ExpirySlotGroup(SlotOf(closeAt)), ct);
            if (sessionId is null)
            {
                return;
            }

            // Joined before the session is read: an end after this read closes the group with the connection in
            // it, and an end before it is seen here.
            await rest.AddConnectionToGroupAsync(connectionId, ChatHub.SessionGroup(sessionId), ct);
            if (await sessions.FindAsync(sessionId, ct) is { EndedAt: null })
            {
                return;
            }
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            LogSetupFailed(logger, error, connectionId);
            if (sessionId is null)
            {
                return;
            }
        }

        try
        {
            await rest.CloseConnectionAsync(connectionId, "The session has ended.", ct);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            LogSetupFailed(logger, error, connectionId);
        }
    }

    /// <summary>Closes the connections whose slot has come due (and the few slots before, in case a run was missed).</summary>
    public async Task CloseExpiredAsync(CancellationToken ct)
    {
        var current = SlotOf(time.GetUtcNow()) - 1;
        for (var slot = current - CatchUpSlots + 1; slot <= current; slot++)
        {
            await rest.CloseGroupConnectionsAsync(ExpirySlotGroup(slot), "The connection's token has expired; reconnect.", ct);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Tying SignalR Service connection {ConnectionId} to its session and expiry failed")]
    private static partial void LogSetupFailed(ILogger logger, Exception error, string connectionId);

    // A slot holds the instants in ((slot - 1) * 10 s, slot * 10 s]: it is due once its end has passed.
    private static long SlotOf(DateTimeOffset at) => (at.ToUnixTimeSeconds() + SlotSeconds - 1) / SlotSeconds;
}
