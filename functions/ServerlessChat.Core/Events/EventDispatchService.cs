using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Events;

/// <summary>The standalone host's events dispatcher: one per process, for the process's lifetime.</summary>
internal sealed class EventDispatchService(EventDispatcher dispatcher) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        dispatcher.HasReceivers ? dispatcher.DrainAsync(null, stoppingToken) : Task.CompletedTask;
}
