using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Standalone.Limits;

/// <summary>
/// What the host accepts at once. Unset connection counts are derived at start from the open-files limit and the
/// memory the process runs under (<see cref="ConnectionBudget"/>); set ones are checked against them.
/// </summary>
public sealed class HostLimitsOptions
{
    public const string Section = "Limits";

    /// <summary>HTTP connections at once (API calls, negotiates, WebSocket handshakes before they upgrade).</summary>
    [Range(1, 1_000_000)]
    public int? MaxConnections { get; set; }

    /// <summary>Open hub connections (WebSockets, once upgraded); negotiate answers 503 beyond them.</summary>
    [Range(1, 1_000_000)]
    public int? MaxHubConnections { get; set; }

    /// <summary>
    /// Descriptors kept free beyond those open at start, for what the host opens later: SQLite's file, WAL and
    /// shared memory per connection, log files, outgoing HTTP (SMTP, Azure OpenAI) and Redis.
    /// </summary>
    [Range(32, 1_000_000)]
    public int ReservedFileDescriptors { get; set; } = 192;

    /// <summary>Of the derived connections, the share for hub connections; the rest serve HTTP.</summary>
    [Range(1, 99)]
    public int HubSharePercent { get; set; } = 60;

    /// <summary>Memory a connection is budgeted at when the connection counts are derived from memory.</summary>
    [Range(4, 65_536)]
    public int MemoryPerConnectionKib { get; set; } = 64;

    /// <summary>Of the memory available to the process, the share connections may take; the rest is the store's and the runtime's.</summary>
    [Range(1, 90)]
    public int MemorySharePercent { get; set; } = 50;

    /// <summary>
    /// Idle HTTP keep-alive connections close after this long (Kestrel's default is 130 s). Each browser keeps
    /// one beside its WebSocket; closing it early keeps a connection storm within the descriptor budget.
    /// </summary>
    [Range(1, 3600)]
    public int KeepAliveTimeoutSeconds { get; set; } = 20;

    /// <summary>A client must send its request headers within this long (Kestrel's default is 30 s).</summary>
    [Range(1, 600)]
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    // Limits:RetryAfterSeconds and Limits:NegotiateReservationSeconds are read from HubConnectionLimitOptions,
    // which both hosts share.
}
