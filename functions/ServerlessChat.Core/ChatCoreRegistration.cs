using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Account;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Assistant;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Auth.External;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Edits;
using ServerlessChat.Core.Email;
using ServerlessChat.Core.Events;
using ServerlessChat.Core.Groups;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Invites;
using ServerlessChat.Core.Links;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Pins;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Profiles;
using ServerlessChat.Core.Push;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Reactions;
using ServerlessChat.Core.ReadMarkers;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Search;
using ServerlessChat.Core.ServerApi;
using ServerlessChat.Core.Sessions;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;
using ServerlessChat.Core.Threads;
using StackExchange.Redis;

namespace ServerlessChat.Core;

public static class ChatCoreRegistration
{
    /// <summary>
    /// Everything both hosts share: options validated at start, storage, cache, auth, the domain services and
    /// the route table's invoker. A host adds only its transport (Kestrel + SignalR hub, or Functions triggers +
    /// SignalR Service REST) and an <see cref="Realtime.IRealtimePublisher"/>.
    /// </summary>
    public static IHostApplicationBuilder AddChatCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>, DevelopmentSigningKey>();
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PasswordThrottleOptions>().BindConfiguration(PasswordThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        services.AddOptions<WebClientOptions>().BindConfiguration(WebClientOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        builder.AddChatStorage();
        builder.AddChatCache();

        services.AddSingleton<AccessTokens>();
        services.AddOptions<ExternalAuthOptions>().BindConfiguration(ExternalAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ExternalIdentities>();
        services.AddSingleton<IEmailSender, EmailSender>();
        services.AddOptions<SessionsOptions>().BindConfiguration(SessionsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SessionRevocations>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<AuthService>();
        services.AddSingleton<PasswordAttemptThrottle>();
        // The host adds the IPasswordResetQueue that drains into it.
        services.AddSingleton<PasswordResetMailer>();
        services.AddSingleton<ChatDirectory>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<BlockDirectory>();
        services.AddSingleton<BlockService>();
        services.AddSingleton<ReactionService>();
        services.AddSingleton<ISyncChangeResolver, ReactionsSyncResolver>();
        services.AddSingleton<MessageEdits>();
        services.AddSingleton<PinService>();
        services.AddSingleton<ThreadRoots>();
        services.AddSingleton<ThreadService>();
        services.AddSingleton<ReadMarkersService>();
        services.AddSingleton<IMessageEnrichment, PinEnrichment>();
        services.AddSingleton<SearchService>();
        services.AddSingleton<GroupService>();
        services.AddSingleton<GroupAdministration>();
        services.AddSingleton<InviteService>();
        services.AddSingleton<SystemMessages.SystemNotices>();
        services.AddSingleton<SystemMessages.CallRecords>();
        services.AddSingleton<RequestRateLimiter>();
        services.AddSingleton<ChatEndpointInvoker>();
        builder.AddChatModeration();
        builder.AddServerApi();
        builder.AddChatAttachments();
        builder.AddChatAssistant();
        builder.AddChatRealtime();
        builder.AddChatSync();
        builder.AddChatPush();
        builder.AddChatAccount();
        services.AddSingleton<ProfileService>();
        services.AddSingleton<AvatarLinks>();
        builder.AddChatEvents();
        builder.AddChatLinks();

        services.ConfigureHttpJsonOptions(options => ChatJson.Configure(options.SerializerOptions));
        return builder;
    }

    private static void AddChatCache(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (redis.Enabled)
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis.ConnectionString!));
            services.AddStackExchangeRedisCache(options => options.InstanceName = "serverlesschat:");
            // One multiplexer for the whole process: the cache takes the container's instead of opening its own.
            services.AddOptions<RedisCacheOptions>()
                .Configure<IConnectionMultiplexer>((options, multiplexer) => options.ConnectionMultiplexerFactory = () => Task.FromResult(multiplexer));
            // Counters in Redis rather than in the database: every instance sees them and the database keeps its writes for messages.
            services.Replace(ServiceDescriptor.Singleton<IRateLimitCounterStore, RedisRateLimitCounterStore>());
        }

        services.AddHybridCache(options => options.DefaultEntryOptions = ChatDirectory.EntryOptions);
    }
}
