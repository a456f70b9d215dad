using System.Threading.Channels;

namespace ServerlessChat.Standalone;

/// <summary>
/// A bounded in-process job queue: when full, a job is refused at once (the caller logs it) rather than holding
/// up the request that queued it. Drained by a <see cref="ChannelWorker{TJob}"/>; jobs still queued at shutdown are lost.
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
}
