using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Attachments;

public static class AttachmentRegistration
{
    public const string FunctionsAppNeedsAzureBlob =
        "The Functions app needs Attachments:Provider=AzureBlob: it has no route for the FileSystem store's upload and download URLs. " +
        "Set Attachments__Provider=AzureBlob with Attachments__BlobConnectionString=UseDevelopmentStorage=true (Azurite) or Attachments__BlobServiceUri (Azure).";

    /// <summary>
    /// The attachments' host-independent parts: options validated at start, the blob store named by
    /// <c>Attachments:Provider</c>, created at start. The host adds an <see cref="IAttachmentProcessingQueue"/>,
    /// what drains it, and the daily sweep of uploads never attached.
    /// </summary>
    public static IHostApplicationBuilder AddChatAttachments(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BlobUrlSigner>();
        services.AddSingleton<AttachmentService>();
        services.AddSingleton<AttachmentProcessingJob>();
        services.AddSingleton<ImageDecodeGate>();

        // A structural choice, read once like the storage provider.
        var provider = builder.Configuration.GetSection(AttachmentOptions.Section)
            .GetValue(nameof(AttachmentOptions.Provider), AttachmentProvider.FileSystem);
        if (provider == AttachmentProvider.AzureBlob)
        {
            services.AddSingleton<IAttachmentBlobStore>(sp =>
            {
                var options = sp.GetRequiredService<IOptions<AttachmentOptions>>().Value;
                var service = options.BlobConnectionString is { Length: > 0 } connectionString
                    ? new BlobServiceClient(connectionString)
                    : new BlobServiceClient(new Uri(options.BlobServiceUri!),
                        new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }));
                return new AzureBlobStore(service, options.Container, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AzureBlobStore>>());
            });
        }
        else
        {
            services.AddSingleton<IAttachmentBlobStore>(sp =>
            {
                var options = sp.GetRequiredService<IOptions<AttachmentOptions>>().Value;
                var paths = sp.GetRequiredService<DataPaths>();
                var root = options.Directory is { Length: > 0 } directory
                    ? paths.Resolve(directory)
                    : Path.Combine(Path.GetDirectoryName(paths.Resolve(sp.GetRequiredService<IOptions<StorageOptions>>().Value.SqlitePath))!, "attachments");
                return new FileSystemBlobStore(root, sp.GetRequiredService<BlobUrlSigner>(), sp.GetRequiredService<TimeProvider>());
            });
        }

        services.AddHostedService<AttachmentStartup>();
        return builder;
    }

    /// <summary>
    /// The Functions app's attachments: its processing queue, on the same account and connection as the
    /// assistant's, and the AzureBlob store required at start. The Functions app serves no blob routes, so on the
    /// FileSystem store every upload URL it handed out would answer 404 and every send "not uploaded yet".
    /// </summary>
    public static IHostApplicationBuilder AddStorageAttachmentQueue(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<AttachmentOptions>().Validate(
            options => options.Provider == AttachmentProvider.AzureBlob,
            FunctionsAppNeedsAzureBlob);
        builder.Services.AddWebJobsQueueName(StorageAttachmentQueue.QueueName);
        builder.Services.AddSingleton<IAttachmentProcessingQueue>(_ =>
            new StorageAttachmentQueue(WebJobsQueues.Create(configuration, StorageAttachmentQueue.QueueName)));
        return builder;
    }
}

/// <summary>Creates the blob container or folder before the host serves requests.</summary>
internal sealed class AttachmentStartup(IAttachmentBlobStore blobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => blobs.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
