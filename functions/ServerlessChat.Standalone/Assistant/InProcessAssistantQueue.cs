using ServerlessChat.Core.Assistant;

namespace ServerlessChat.Standalone.Assistant;

/// <summary>
/// The standalone host's queue: when it is full the message stays stored but unanswered (the listener logs it);
/// jobs still queued when the process stops are lost the same way.
/// </summary>
public sealed class InProcessAssistantQueue : IAssistantQueue
{
    public const int Capacity = 1000;

    public InProcessJobQueue<AssistantJob> Jobs { get; } = new(Capacity);

    public ValueTask<bool> EnqueueAsync(AssistantJob job, CancellationToken ct) => ValueTask.FromResult(Jobs.TryEnqueue(job));
}
