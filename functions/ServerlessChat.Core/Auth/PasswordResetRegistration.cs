using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Auth;

public static class PasswordResetRegistration
{
    /// <summary>The Functions app's reset queue on the account of <c>AzureWebJobsStorage</c>, drained by its QueueTrigger.</summary>
    public static IHostApplicationBuilder AddStoragePasswordResetQueue(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IPasswordResetQueue>(_ => new StoragePasswordResetQueue(builder.Configuration));
        builder.Services.AddWebJobsQueueName(StoragePasswordResetQueue.QueueName);
        return builder;
    }
}
