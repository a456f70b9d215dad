using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

/// <summary>
/// The storage of a host, built through <c>AddChatStorage</c> exactly as the apps build it, and started so that
/// its hosted service creates the schema and indexes.
/// </summary>
public sealed class StorageTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private StorageTestHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;
    public IUserStore Users => Get<IUserStore>();
    public IMessageStore Messages => Get<IMessageStore>();
    public IConversationStore Conversations => Get<IConversationStore>();
    public IGroupStore Groups => Get<IGroupStore>();
    public IAuthTokenStore Tokens => Get<IAuthTokenStore>();
    public ISessionStore Sessions => Get<ISessionStore>();
    public IModerationStore Moderation => Get<IModerationStore>();
    public IRateLimitCounterStore RateLimits => Get<IRateLimitCounterStore>();
    public IPresenceStore Presence => Get<IPresenceStore>();
    public IStorageHealth Health => Get<IStorageHealth>();
    public IAttachmentStore Attachments => Get<IAttachmentStore>();
    public IChangeLog Changes => Get<IChangeLog>();
    public IReactionStore Reactions => Get<IReactionStore>();
    public IMessageSearchStore Search => Get<IMessageSearchStore>();
    public IBlockStore Blocks => Get<IBlockStore>();
    public IPushStore Push => Get<IPushStore>();
    public IPinStore Pins => Get<IPinStore>();
    public IGroupInviteStore Invites => Get<IGroupInviteStore>();

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public static async Task<StorageTestHost> StartAsync(string contentRoot, IDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.AddChatStorage();
        var host = builder.Build();
        await host.StartAsync();
        return new StorageTestHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
