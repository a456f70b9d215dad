using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

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
}
