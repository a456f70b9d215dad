using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Standalone.Limits;

public static partial class HostLimits
{
    /// <summary>
    /// Bounds what the host accepts by what it runs under: HTTP connections through <see cref="HttpConnectionGate"/>
    /// (beyond the budget the host stops accepting, so clients wait in the accept queue rather than being closed),
    /// Kestrel's cap on upgraded connections and its timeouts from <see cref="ConnectionBudget"/>, and
    /// <see cref="HubAdmission"/> for negotiate. The store, the logs and outgoing calls keep the descriptors
    /// reserved for them.
    /// </summary>
    public static IHostApplicationBuilder AddHostLimits(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HostLimitsOptions>().BindConfiguration(HostLimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var budget = ConnectionBudget.Derive(sp.GetRequiredService<IOptions<HostLimitsOptions>>().Value, HostResources.Current());
            var r = budget.Resources;
            LogBudget(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HostLimits)),
                r.OpenFilesLimit, r.OpenFiles, r.AvailableMemoryBytes / (1024 * 1024), budget.HttpConnections, budget.HubConnections);
            return budget;
        });
        services.AddSingleton<HubAdmission>();
        services.AddSingleton<HttpConnectionGate>();
        // Registered after Kestrel's socket transport, so Kestrel binds with this one (the last that can bind).
        services.AddSingleton<IConnectionListenerFactory, HttpConnectionGate.ListenerFactory>();
        services.AddOptions<SocketTransportOptions>().Configure(sockets =>
            // Clients beyond the budget wait in the accept queue, which costs the process no descriptor; past it their
            // SYNs are dropped and retried after 1, 3, 7 s... (2,000 clients on a 1,392 budget: the last connected after
            // 85 s with a queue of 1,392). As long as the kernel allows (net.core.somaxconn caps it).
            sockets.Backlog = Math.Max(sockets.Backlog, 65_535));
        services.AddOptions<KestrelServerOptions>().Configure<ConnectionBudget, IOptions<HostLimitsOptions>>((kestrel, budget, options) =>
        {
            // The gate bounds HTTP connections; Kestrel's own cap would close the surplus at accept instead.
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(HttpConnectionGate.ReleaseWhenDone));
            kestrel.Limits.MaxConcurrentUpgradedConnections = budget.UpgradedConnections;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(options.Value.KeepAliveTimeoutSeconds);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.Value.RequestHeadersTimeoutSeconds);
        });
        return builder;
    }

    /// <summary>
    /// Answers every negotiate (<c>POST /api/negotiate</c> and the hubs' own) with <c>Connection: close</c>. A
    /// connecting client's negotiate is often the only request on its socket before the WebSocket opens on
    /// another (each SignalR client owns its HTTP client; a fresh page has no idle socket to reuse). Kept alive,
    /// every such socket held an HTTP slot for the keep-alive timeout: 10,000 clients connecting at about 270 a
    /// second filled the HTTP budget with idle sockets, and Kestrel closed the WebSocket requests of the next ones
    /// at accept. Closed after the answer, a storm holds only the requests in flight.
    /// </summary>
    public static IApplicationBuilder UseHostLimits(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (HttpMethods.IsPost(context.Request.Method)
                && context.Request.Path.Value?.EndsWith("/negotiate", StringComparison.OrdinalIgnoreCase) == true)
            {
                context.Response.Headers.Connection = "close";
            }

            return next(context);
        });

    [LoggerMessage(LogLevel.Information,
        "Limits: open files {OpenFilesLimit} ({OpenFiles} open at start), {AvailableMegabytes} MB available; at most {HttpConnections} HTTP connections and {HubConnections} hub connections")]
    private static partial void LogBudget(ILogger logger, long? openFilesLimit, int openFiles, long availableMegabytes, int httpConnections, int hubConnections);
}
