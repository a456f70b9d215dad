using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Http;
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
        services.AddSingleton<IRealtimePublisher, HubContextPublisher>();
        services.AddHostedService<PresenceSweeper>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, HubTokenAuthenticationHandler>(HubTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

        // The same JSON rules on the hub as on the API, so an event's payload reads like the API's answer.
        var signalR = services.AddSignalR().AddJsonProtocol(options => ChatJson.Configure(options.PayloadSerializerOptions));
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (redis.Enabled)
        {
            signalR.AddStackExchangeRedis(redis.ConnectionString!, options => options.Configuration.ChannelPrefix = RedisChannel.Literal("serverlesschat"));
            services.AddSingleton<IConnectionRegistry, RedisConnectionRegistry>();
        }
        else
        {
            services.AddSingleton<IConnectionRegistry, LocalConnectionRegistry>();
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapStandaloneRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<RealtimeHub>(HubPath)
            .RequireAuthorization(new AuthorizationPolicyBuilder(HubTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        return app;
    }
}
