using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

public static class StandaloneAttachments
{
    /// <summary>The standalone host's side of attachments: an in-process processing queue, its worker, the hourly sweep, the re-queue of lost jobs.</summary>
    public static IHostApplicationBuilder AddStandaloneAttachments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InProcessAttachmentQueue>();
        builder.Services.AddSingleton<IAttachmentProcessingQueue>(sp => sp.GetRequiredService<InProcessAttachmentQueue>());
        builder.Services.AddHostedService<AttachmentWorker>();
        builder.Services.AddHostedService<AttachmentJanitor>();
        builder.Services.AddHostedService<StuckAttachmentSweeper>();
        return builder;
    }
}
