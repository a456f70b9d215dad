using System.Threading.Channels;

namespace ServerlessChat.Standalone;

/// <summary>
/// The standalone host's one in-process job queue, behind each feature's queue port: bounded, so a flood of work
/// cannot grow memory without limit. When full, <see cref="TryEnqueue"/> refuses a job at once (the caller logs
/// it) rather than holding up the request that queued it, and <see cref="EnqueueWaitingAsync"/> waits for room
/// (back pressure on the sender). Drained by a <see cref="ChannelWorker{TJob}"/>; jobs still queued at shutdown
/// are lost, unless the feature takes them up again at the next start.
/// </summary>
public sealed class InProcessJobQueue<TJob>(int capacity)
{
    private readonly Channel<TJob> _channel = Channel.CreateBounded<TJob>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });

    public ChannelReader<TJob> Reader => _channel.Reader;

    // TryWrite never waits: with FullMode.Wait it fails instead of blocking.
    public bool TryEnqueue(TJob job) => _channel.Writer.TryWrite(job);

    public ValueTask EnqueueWaitingAsync(TJob job, CancellationToken ct) => _channel.Writer.WriteAsync(job, ct);
}
