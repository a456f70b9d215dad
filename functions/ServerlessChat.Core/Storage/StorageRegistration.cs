using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Storage.Mongo;
using ServerlessChat.Core.Storage.Sqlite;

namespace ServerlessChat.Core.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// Registers the storage ports for the provider named by <c>Storage:Provider</c> (SQLite by default), the
    /// health check, and a hosted service that creates or migrates the schema before the host serves requests.
    /// </summary>
    public static IHostApplicationBuilder AddChatStorage(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The adapter is a structural choice: it is read once here, not per resolution.
        var provider = builder.Configuration.GetSection(StorageOptions.Section)
            .GetValue(nameof(StorageOptions.Provider), StorageProvider.Sqlite);
        if (provider == StorageProvider.MongoDb)
        {
            AddMongo(builder.Services);
        }
        else
        {
            AddSqlite(builder.Services);
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DataPaths>();
        builder.Services.AddHostedService<StorageStartup>();
        builder.Services.AddHostedService<ExpiredTokenPurge>();
        return builder;
    }

    private static void AddSqlite(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var path = sp.GetRequiredService<DataPaths>().Resolve(options.SqlitePath);
            return new SqliteStoreSettings(path, options.SqliteSynchronous, options.SqliteReadConnections);
        });
        services.AddSingleton<SqliteConnectionFactory>();
        services.AddSingleton<SqliteWriter>();
        services.AddSingleton<IStorageInitializer, SqliteSchema>();
        services.AddSingleton<IStorageHealth, SqliteStorageHealth>();
        services.AddSingleton<IUserStore, SqliteUserStore>();
        services.AddSingleton<IMessageStore, SqliteMessageStore>();
        services.AddSingleton<IConversationStore, SqliteConversationStore>();
        services.AddSingleton<IGroupStore, SqliteGroupStore>();
        services.AddSingleton<IAuthTokenStore, SqliteAuthTokenStore>();
        services.AddSingleton<ISessionStore, SqliteSessionStore>();
        services.AddSingleton<IModerationStore, SqliteModerationStore>();
        // The embedded store's host is one process: its counters stay in memory (see ProcessRateLimitCounterStore).
        services.AddSingleton<IRateLimitCounterStore, ProcessRateLimitCounterStore>();
        services.AddSingleton<IPresenceStore, SqlitePresenceStore>();
        services.AddSingleton<IAttachmentStore, SqliteAttachmentStore>();
        services.AddSingleton<SqliteChangeLog>();
        services.AddSingleton<IChangeLog>(sp => sp.GetRequiredService<SqliteChangeLog>());
        services.AddSingleton<IReactionStore, SqliteReactionStore>();
        services.AddSingleton<IPinStore, SqlitePinStore>();
        services.AddSingleton<ILinkPreviewStore, SqliteLinkPreviewStore>();
        services.AddSingleton<IThreadStore, SqliteThreadStore>();
        services.AddSingleton<IGroupInviteStore, SqliteGroupInviteStore>();
        services.AddSingleton<IBlockStore, SqliteBlockStore>();
        services.AddSingleton<IPushStore, SqlitePushStore>();
        services.AddSingleton<IMessageSearchStore, SqliteMessageSearchStore>();
    }

    private static void AddMongo(IServiceCollection services)
    {
        // One client per process: it owns the connection pools and server monitoring.
        services.TryAddSingleton<IMongoClient>(sp =>
            new MongoClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value.MongoConnectionString));
        services.AddSingleton<MongoChatDatabase>();
        services.AddSingleton<IStorageInitializer, MongoStorageInitializer>();
        services.AddSingleton<IStorageHealth, MongoStorageHealth>();
        services.AddOptions<MongoThrottlingOptions>().BindConfiguration(MongoThrottlingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MongoThrottlingPolicy>();
        AddThrottled<IUserStore, MongoUserStore>(services);
        AddThrottled<IMessageStore, MongoMessageStore>(services);
        AddThrottled<IConversationStore, MongoConversationStore>(services);
        AddThrottled<IGroupStore, MongoGroupStore>(services);
        AddThrottled<IAuthTokenStore, MongoAuthTokenStore>(services);
        AddThrottled<ISessionStore, MongoSessionStore>(services);
        AddThrottled<IModerationStore, MongoModerationStore>(services);
        AddThrottled<IRateLimitCounterStore, MongoRateLimitCounterStore>(services);
        AddThrottled<IPresenceStore, MongoPresenceStore>(services);
        AddThrottled<IAttachmentStore, MongoAttachmentStore>(services);
        AddThrottled<IChangeLog, MongoChangeLog>(services);
        AddThrottled<IReactionStore, MongoReactionStore>(services);
        AddThrottled<IPinStore, MongoPinStore>(services);
        AddThrottled<ILinkPreviewStore, MongoLinkPreviewStore>(services);
        AddThrottled<IThreadStore, MongoThreadStore>(services);
        AddThrottled<IGroupInviteStore, MongoGroupInviteStore>(services);
        AddThrottled<IBlockStore, MongoBlockStore>(services);
        AddThrottled<IPushStore, MongoPushStore>(services);
        AddThrottled<IMessageSearchStore, MongoMessageSearchStore>(services);
    }

    /// <summary>Every call of a Mongo store waits out Cosmos DB throttling (see <see cref="MongoThrottlingPolicy"/>).</summary>
    private static void AddThrottled<TPort, TStore>(IServiceCollection services) where TPort : class where TStore : class, TPort
    {
        services.AddSingleton<TStore>();
        services.AddSingleton<TPort>(sp => MongoThrottling.Wrap<TPort>(sp.GetRequiredService<TStore>(), sp.GetRequiredService<MongoThrottlingPolicy>()));
    }
}
