using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Checkpoints;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// Carries realtime actions out through Azure SignalR Service, in order (a user joins a group before the
/// group hears about it). A failure is logged and the rest still go out: the data behind every action is
/// already stored, and clients catch up on their next fetch.
/// </summary>
public sealed partial class AzureSignalRPublisher(AzureSignalRRestClient client, CheckpointLedger checkpoints, ILogger<AzureSignalRPublisher> logger) : IRealtimePublisher
{
    private const string Transport = "signalr-service";

    public async Task PublishAsync(IReadOnlyList<RealtimeAction> actions, CancellationToken ct)
    {
        using var span = ChatTelemetry.StartPublish(Transport, actions.Count);
        foreach (var action in actions)
        {
            try
            {
                // Not the request's token: once stored, a message should reach the others even if its sender
                // hung up. The resilience handler's timeouts bound each call instead.
                await client.SendAsync(action, CancellationToken.None);
                ChatTelemetry.RecordPush(Transport, action.GetType().Name, 1, failed: false);
            }
            catch (Exception error)
            {
                ChatTelemetry.RecordPush(Transport, action.GetType().Name, 1, failed: true);
                // Its audience may have missed a change: checkpoints stay behind it.
                checkpoints.Failed(action);
                LogDeliveryFailed(logger, error, action.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Azure SignalR Service did not take a {Action}; the data is stored and clients catch up on their next fetch")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception error, string action);
}
