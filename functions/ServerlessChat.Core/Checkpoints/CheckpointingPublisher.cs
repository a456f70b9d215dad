using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Checkpoints;

/// <summary>The host's publisher, with each publish's change events recorded in the <see cref="CheckpointLedger"/> while they go out.</summary>
internal sealed class CheckpointingPublisher(IRealtimePublisher inner, CheckpointLedger ledger) : IRealtimePublisher
{
    public async Task PublishAsync(IReadOnlyList<RealtimeAction> actions, CancellationToken ct)
    {
        using var publishing = ledger.Track(actions);
        await inner.PublishAsync(actions, ct).ConfigureAwait(false);
    }
}
