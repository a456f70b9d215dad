using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Events;

namespace ServerlessChat.Functions;

/// <summary>
/// Events out: the dispatcher drains the change log to the webhooks and the Event Grid topic for most of each
/// minute. A timer function runs on one instance at a time (its schedule lock), so one dispatcher reads each
/// consumer's saved position, however many instances serve requests.
/// </summary>
public sealed class EventsFunctions(EventDispatcher dispatcher)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(55);

    [Function("EventsDispatch")]
    public Task EventsDispatch([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken ct) =>
        dispatcher.HasReceivers ? dispatcher.DrainAsync(Budget, ct) : Task.CompletedTask;
}
