using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Assistant;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Storage;
using ServerlessChat.Tests.Attachments;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// What `func start` meets at the worker's start, wired as the Functions app's Program.cs does: the attachment
/// store it can serve, and the queues its triggers drain, created on a real Azurite before the host polls them.
/// </summary>
public sealed class FunctionsAppStartTests
{
    private static bool AzuriteEnabled => (AzuriteServer.Binary is not null && AzuriteServer.QueueBinary is not null) || AzuriteServer.Required;

    [Fact]
    public async Task TheAppRefusesToStartOnTheFileSystemAttachmentStoreNamingTheSettingsToUse()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => FunctionsAppServices.StartAsync(
            settings: new Dictionary<string, string?> { ["Attachments:Provider"] = "FileSystem" },
            wireMore: WireAsProgram));

        Assert.Contains(AttachmentRegistration.FunctionsAppNeedsAzureBlob, refused.Failures);
        Assert.Contains("Attachments__Provider=AzureBlob", refused.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAppRefusesToStartWithNoAttachmentSettingsAtAll()
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => FunctionsAppServices.StartAsync(wireMore: WireAsProgram));
    }

    [SkippableFact]
    public async Task EveryQueueATriggerDrainsExistsOnceTheAppHasStartedAndTheAttachmentsContainerToo()
    {
        Skip.IfNot(AzuriteEnabled, AzuriteServer.SkipReason);
        await using var queues = await AzuriteServer.StartQueueAsync();
        await using var blobs = await AzuriteServer.StartAsync();
        var service = new QueueServiceClient(queues.ConnectionString);
        Assert.Empty(await ListAsync(service));
        using var functions = new FunctionsAssembly();
        var triggered = functions.TriggeredQueues();
        Assert.Contains(StorageAssistantQueue.QueueName, triggered);
        Assert.Contains(StorageAttachmentQueue.QueueName, triggered);

        var container = $"attachments-{Guid.NewGuid():N}"[..30];
        await using var app = await FunctionsAppServices.StartAsync(settings: new Dictionary<string, string?>
        {
            [WebJobsQueues.ConnectionName] = queues.ConnectionString,
            ["Attachments:Provider"] = "AzureBlob",
            ["Attachments:BlobConnectionString"] = blobs.ConnectionString,
            ["Attachments:Container"] = container,
        }, wireMore: WireAsProgram);

        // Nothing was sent yet: the queues are there because the app made them at start.
        var existing = await ListAsync(service);
        Assert.Subset(existing, triggered.ToHashSet());
        Assert.True(await new Azure.Storage.Blobs.BlobServiceClient(blobs.ConnectionString).GetBlobContainerClient(container).ExistsAsync());
    }

    /// <summary>What Program.cs adds beyond <see cref="FunctionsAppServices"/>'s own wiring.</summary>
    private static void WireAsProgram(HostApplicationBuilder builder)
    {
        builder.AddStorageAssistantQueue();
        builder.AddStorageAttachmentQueue();
        builder.CreateWebJobsQueuesAtStart();
    }

    private static async Task<HashSet<string>> ListAsync(QueueServiceClient service)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var queue in service.GetQueuesAsync())
        {
            names.Add(queue.Name);
        }
        return names;
    }
}
