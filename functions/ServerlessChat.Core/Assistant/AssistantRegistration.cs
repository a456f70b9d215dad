using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Assistant;

public static class AssistantRegistration
{
    /// <summary>
    /// The assistant's host-independent parts. The host adds an <see cref="IAssistantQueue"/> and whatever consumes
    /// it by calling <see cref="AssistantResponder.HandleAsync"/>. Call after the storage is registered: the
    /// account is set up at start, once the schema is in place.
    /// </summary>
    public static IHostApplicationBuilder AddChatAssistant(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AssistantOptions>().BindConfiguration(AssistantOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AssistantAccount>();
        services.AddSingleton<AssistantModel>();
        services.AddSingleton<AssistantResponder>();
        services.AddSingleton<IMessageStoredListener, AssistantMessageListener>();
        services.AddHostedService<AssistantStartup>();
        return builder;
    }

    /// <summary>
    /// The Functions app's queue (<see cref="StorageAssistantQueue"/>) on the account of <c>AzureWebJobsStorage</c>:
    /// a connection string (Azurite: <c>UseDevelopmentStorage=true</c>), or identity-based with
    /// <c>AzureWebJobsStorage__queueServiceUri</c> and, for a user-assigned identity, <c>AzureWebJobsStorage__clientId</c>.
    /// </summary>
    public static IHostApplicationBuilder AddStorageAssistantQueue(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddWebJobsQueueName(StorageAssistantQueue.QueueName);
        builder.Services.AddSingleton<IAssistantQueue>(_ =>
            new StorageAssistantQueue(WebJobsQueues.Create(configuration, StorageAssistantQueue.QueueName)));
        return builder;
    }
}
