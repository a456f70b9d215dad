using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Storage;

/// <summary>
/// Queues on the account of <c>AzureWebJobsStorage</c>, the connection the Functions host itself uses, so its
/// QueueTriggers and these senders meet on one account: a connection string (Azurite:
/// <c>UseDevelopmentStorage=true</c>), or identity-based with <c>AzureWebJobsStorage__queueServiceUri</c> and, for
/// a user-assigned identity, <c>AzureWebJobsStorage__clientId</c>. Messages are Base64, the encoding the Functions
/// queue extension expects by default.
/// </summary>
public static class WebJobsQueues
{
    public const string ConnectionName = "AzureWebJobsStorage";

    public static QueueClient Create(IConfiguration configuration, string queueName)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        QueueServiceClient service;
        if (configuration[ConnectionName] is { Length: > 0 } connectionString)
        {
            service = new QueueServiceClient(connectionString, options);
        }
        else if (configuration[$"{ConnectionName}:queueServiceUri"] is { Length: > 0 } serviceUri)
        {
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = configuration[$"{ConnectionName}:clientId"] });
            service = new QueueServiceClient(new Uri(serviceUri), credential, options);
        }
        else
        {
            throw new InvalidOperationException($"The queue {queueName} needs {ConnectionName} or {ConnectionName}__queueServiceUri.");
        }

        return service.GetQueueClient(queueName);
    }

    /// <summary>
    /// Names a queue the app sends to and a QueueTrigger drains, for <see cref="CreateWebJobsQueuesAtStart"/>.
    /// </summary>
    public static IServiceCollection AddWebJobsQueueName(this IServiceCollection services, string queueName) =>
        services.AddSingleton(new WebJobsQueueName(queueName));

    /// <summary>
    /// Creates every named queue when the host starts (see <see cref="WebJobsQueueStartup"/>): the Functions host
    /// polls each triggered queue from its first second and warns "The specified queue does not exist" at every
    /// poll of a missing one, and a queue made only by the first message leaves the trigger polling it in vain until then.
    /// </summary>
    public static IHostApplicationBuilder CreateWebJobsQueuesAtStart(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebJobsQueueStartup>(sp =>
            new WebJobsQueueStartup(configuration, sp.GetServices<WebJobsQueueName>())));
        return builder;
    }
}

/// <summary>A queue named with <see cref="WebJobsQueues.AddWebJobsQueueName"/>.</summary>
public sealed record WebJobsQueueName(string Name);

/// <summary>
/// Creates every registered queue before any hosted service starts (the worker's own connection to the Functions
/// host among them), so the host's queue listeners find them all. Without the account the app does not start.
/// </summary>
public sealed class WebJobsQueueStartup(IConfiguration configuration, IEnumerable<WebJobsQueueName> queues) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var name in queues.Select(q => q.Name).Distinct(StringComparer.Ordinal))
        {
            await WebJobsQueues.Create(configuration, name).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
