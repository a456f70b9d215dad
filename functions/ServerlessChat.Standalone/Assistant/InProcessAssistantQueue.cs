using System.Threading.Channels;
using ServerlessChat.Core.Assistant;

namespace ServerlessChat.Standalone.Assistant;

/// <summary>
/// The standalone host's queue: bounded, so a flood of messages to the assistant cannot grow memory without
/// limit. When it is full the message stays stored but unanswered (the listener logs it); jobs still queued
/// when the process stops are lost the same way.
/// </summary>
public sealed class InProcessAssistantQueue : IAssistantQueue
{
    public const int Capacity = 1000;

    private readonly Channel<AssistantJob> _channel = Channel.CreateBounded<AssistantJob>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
    });

    public ChannelReader<AssistantJob> Reader => _channel.Reader;

    // TryWrite never waits: with FullMode.Wait it fails instead of blocking the sender's request.
    public ValueTask<bool> EnqueueAsync(AssistantJob job, CancellationToken ct) => ValueTask.FromResult(_channel.Writer.TryWrite(job));
}
