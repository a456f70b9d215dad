using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Links;

public static class LinkRegistration
{
    /// <summary>Link previews' host-independent parts; the host adds an <see cref="ILinkPreviewQueue"/> and what drains it into <see cref="LinkPreviewJob.RunAsync"/>.</summary>
    public static IHostApplicationBuilder AddChatLinks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LinkOptions>().BindConfiguration(LinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LinkPreviewFetcher>();
        services.AddSingleton<LinkPreviewJob>();
        services.AddSingleton<IMessageStoredListener, LinkPreviewListener>();
        return builder;
    }

    /// <summary>The Functions app's queue on the account of <c>AzureWebJobsStorage</c> (see <see cref="WebJobsQueues"/>).</summary>
    public static IHostApplicationBuilder AddStorageLinkPreviewQueue(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddWebJobsQueueName(StorageLinkPreviewQueue.QueueName);
        builder.Services.AddSingleton<ILinkPreviewQueue>(_ => new StorageLinkPreviewQueue(() => WebJobsQueues.Create(configuration, StorageLinkPreviewQueue.QueueName)));
        return builder;
    }
}
