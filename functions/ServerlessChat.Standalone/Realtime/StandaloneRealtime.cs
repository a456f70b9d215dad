using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Checkpoints;
using ServerlessChat.Core.Realtime;
using StackExchange.Redis;

namespace ServerlessChat.Standalone.Realtime;

public static class StandaloneRealtime
{
    /// <summary>Where <c>POST /api/negotiate</c> sends the clients.</summary>
    public const string HubPath = "/hubs/chat";

    /// <summary>
    /// ASP.NET Core SignalR as this host's realtime transport: the hub, its token authentication, the publisher
    /// and negotiator Core asks for, the presence sweeper and, with <c>Redis:ConnectionString</c>, the Redis
    /// backplane and a shared connection registry so that several instances act as one.
    /// </summary>
    public static IHostApplicationBuilder AddStandaloneRealtime(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HubTokenOptions>().BindConfiguration(HubTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HubTokens>();
        services.AddSingleton<INegotiator, StandaloneNegotiator>();
        services.AddRealtimePublisher<HubContextPublisher>();
        services.AddHostedService<PresenceSweeper>();
        services.AddSingleton<HubSessions>();
        services.AddHostedService<HubSessionSweeper>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, HubTokenAuthenticationHandler>(HubTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

        // The same JSON rules on the hub as on the API, so an event's payload reads like the API's answer.
        var signalR = services.AddSignalR(options => options.MaximumReceiveMessageSize = MaxReceiveBytes)
            .AddJsonProtocol(options => ChatJson.Configure(options.PayloadSerializerOptions));
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (redis.Enabled)
        {
            signalR.AddStackExchangeRedis(redis.ConnectionString!, options => options.Configuration.ChannelPrefix = RedisChannel.Literal("serverlesschat"));
            services.AddSingleton<IConnectionRegistry, RedisConnectionRegistry>();
        }
        else
        {
            services.AddSingleton<IConnectionRegistry, LocalConnectionRegistry>();
            services.AddSingleton<HubLifetimeManager<RealtimeHub>, LocalHubLifetimeManager>();
        }

        return builder;
    }

    /// <summary>
    /// Clients only listen on the hub (they send through the HTTP API; the one hub method is a heartbeat), so
    /// what a connection may send is kept small: SignalR's defaults (32 KB a message, 64 KB buffered unread)
    /// would let every one of 10,000 connections pin 64 KB of the server's memory.
    /// </summary>
    public const int MaxReceiveBytes = 4 * 1024;

    /// <summary>Unsent events a slow client may have queued before SignalR waits on it (SignalR's default is 64 KB).</summary>
    public const int MaxUnsentBytes = 32 * 1024;

    /// <summary>The hub's transport buffers, for every endpoint that maps <see cref="RealtimeHub"/>.</summary>
    public static void ConfigureHubTransport(HttpConnectionDispatcherOptions options)
    {
        options.ApplicationMaxBufferSize = MaxReceiveBytes;
        options.TransportMaxBufferSize = MaxUnsentBytes;
    }

    public static IEndpointRouteBuilder MapStandaloneRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<RealtimeHub>(HubPath, ConfigureHubTransport)
            .RequireAuthorization(new AuthorizationPolicyBuilder(HubTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        return app;
    }
}
