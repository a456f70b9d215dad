namespace ServerlessChat.Core.Events;

/// <summary>A receiver of events out: each has its own position in the change log (its consumer).</summary>
public interface IEventSink
{
    /// <summary>The name its position is saved under: stable across restarts, different per receiver.</summary>
    string Name { get; }

    bool Accepts(string type);

    /// <summary>
    /// Delivers one subject's events in their order and returns how many of them, from the first, were
    /// delivered; it stops at the first one the receiver did not take. Never throws for a receiver's failure.
    /// </summary>
    Task<int> DeliverAsync(IReadOnlyList<ChatCloudEvent> events, CancellationToken ct);
}
