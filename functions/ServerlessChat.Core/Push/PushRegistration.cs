using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Push;

public static class PushRegistration
{
    /// <summary>Web Push's host-independent parts; the host adds an <see cref="IPushQueue"/> and what drains it into <see cref="PushDispatcher.HandleAsync"/>.</summary>
    public static IHostApplicationBuilder AddChatPush(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<PushOptions>, DevelopmentVapidKeys>();
        services.AddSingleton<PushEndpointGuard>();
        services.AddSingleton<PushService>();
        services.AddSingleton<PushSender>();
        services.AddSingleton<PushDelivery>();
        services.AddSingleton<PushDispatcher>();
        services.AddSingleton<IMessageStoredListener, PushMessageListener>();
        return builder;
    }

    /// <summary>The Functions app's queue on the account of <c>AzureWebJobsStorage</c> (see <see cref="WebJobsQueues"/>).</summary>
    public static IHostApplicationBuilder AddStoragePushQueue(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddWebJobsQueueName(StoragePushQueue.QueueName);
        builder.Services.AddSingleton<IPushQueue>(_ => new StoragePushQueue(WebJobsQueues.Create(configuration, StoragePushQueue.QueueName)));
        return builder;
    }
}
