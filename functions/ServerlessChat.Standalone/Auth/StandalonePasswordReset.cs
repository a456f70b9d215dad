using ServerlessChat.Core.Auth;

namespace ServerlessChat.Standalone.Auth;

public static class StandalonePasswordReset
{
    /// <summary>Password reset requests are answered at once and worked off here, in the background.</summary>
    public static IHostApplicationBuilder AddStandalonePasswordReset(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InProcessPasswordResetQueue>();
        builder.Services.AddSingleton<IPasswordResetQueue>(sp => sp.GetRequiredService<InProcessPasswordResetQueue>());
        builder.Services.AddHostedService<PasswordResetWorker>();
        return builder;
    }
}

/// <summary>Bounded: a flood of reset requests cannot grow memory; beyond it a request sends nothing (and is logged).</summary>
public sealed class InProcessPasswordResetQueue : IPasswordResetQueue
{
    public const int Capacity = 1_000;

    public InProcessJobQueue<PasswordResetJob> Jobs { get; } = new(Capacity);

    public ValueTask<bool> EnqueueAsync(PasswordResetJob job, CancellationToken ct) => ValueTask.FromResult(Jobs.TryEnqueue(job));
}

/// <summary>Sends reset emails a few at a time, so one slow SMTP exchange does not hold up the rest.</summary>
public sealed partial class PasswordResetWorker(InProcessPasswordResetQueue queue, PasswordResetMailer mailer, ILogger<PasswordResetWorker> logger)
    : ChannelWorker<PasswordResetJob>(queue.Jobs.Reader, concurrency: 2)
{
    protected override Task HandleAsync(PasswordResetJob job, CancellationToken ct) => mailer.HandleAsync(job, ct);

    // The address stays out of the log: it is personal data, and the log would tell who asked.
    protected override void OnFailed(PasswordResetJob job, Exception error) => LogJobFailed(logger, error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A password reset job failed; its email was not sent")]
    private static partial void LogJobFailed(ILogger logger, Exception exception);
}
