using System.Threading.Channels;
using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Standalone.Attachments;

/// <summary>
/// The standalone host's processing queue: bounded, so a flood of image sends holds the senders back (they wait
/// for room) instead of growing memory. Jobs still queued when the process stops are picked up again at the
/// next start from the attachments still marked processing.
/// </summary>
public sealed class InProcessAttachmentQueue : IAttachmentProcessingQueue
{
    public const int Capacity = 256;

    private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
    });

    public ChannelReader<string> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(string attachmentId, CancellationToken ct) => _channel.Writer.WriteAsync(attachmentId, ct);
}
