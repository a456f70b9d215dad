using System.Threading.Channels;

namespace ServerlessChat.Standalone;

/// <summary>
/// Drains an in-process job channel with <paramref name="concurrency"/> consumers, so one slow job does not hold
/// up the rest; a failed job is logged and never stops the worker for everyone else.
/// </summary>
public abstract class ChannelWorker<TJob>(ChannelReader<TJob> reader, int concurrency) : BackgroundService
{
    protected abstract Task HandleAsync(TJob job, CancellationToken ct);

    protected abstract void OnFailed(TJob job, Exception error);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => ConsumeAsync(stoppingToken)));

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await HandleAsync(job, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    OnFailed(job, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
