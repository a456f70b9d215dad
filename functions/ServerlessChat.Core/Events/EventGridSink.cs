using Azure;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Events;

/// <summary>
/// The Event Grid topic of <c>Events:EventGridTopicEndpoint</c> (CloudEvents input schema): one subject's events
/// go in one publish, all or none, with the client's bearer token from the app's managed identity.
/// </summary>
internal sealed partial class EventGridSink(EventGridPublisherClient client, ILogger<EventGridSink> logger) : IEventSink
{
    public string Name => "eventgrid";

    public bool Accepts(string type) => true;

    public async Task<int> DeliverAsync(IReadOnlyList<ChatCloudEvent> events, CancellationToken ct)
    {
        var batch = events.Select(e => new CloudEvent(e.Source, e.Type, BinaryData.FromObjectAsJson(e.Data, ChatJson.Options), "application/json", CloudEventDataFormat.Json)
        {
            Id = e.Id,
            Subject = e.Subject,
            Time = e.Time,
        }).ToList();
        try
        {
            await client.SendEventsAsync(batch, ct).ConfigureAwait(false);
            return events.Count;
        }
        catch (Exception ex) when (ex is RequestFailedException or Azure.Identity.AuthenticationFailedException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            LogFailed(logger, events.Count, ex.GetType().Name);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event Grid did not take {Count} events ({Error}); they are retried")]
    private static partial void LogFailed(ILogger logger, int count, string error);
}
