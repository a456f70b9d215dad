using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Functions;

public sealed class RealtimeFunctions(
    ChatEndpointInvoker invoker, AzureSignalRUpstream upstream, PresenceService presence, IRealtimePublisher realtime, AzureSignalRSessionConnections sessionConnections)
{
    /// <summary>
    /// Where Azure SignalR Service posts connection events: infra/app/signalr.bicep's upstream URL template is
    /// <c>https://{app}/api/signalr/{hub}/{category}/{event}</c>. Not part of the public API.
    /// </summary>
    public const string UpstreamRoute = "signalr/{hub}/{category}/{event}";

    /// <summary>Half of the default presence timeout (90 s), as the standalone host's sweeper runs.</summary>
    public const string SweepSchedule = "*/30 * * * * *";

    [Function(nameof(RealtimeApi.Negotiate))]
    public Task Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Negotiate)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(RealtimeApi.Negotiate), request.HttpContext);

    [Function(nameof(RealtimeApi.Typing))]
    public Task Typing([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Typing)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(RealtimeApi.Typing), request.HttpContext);

    [Function(nameof(RealtimeApi.GetPresence))]
    public Task GetPresence([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Presence)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(RealtimeApi.GetPresence), request.HttpContext);

    [Function(nameof(RealtimeApi.PresenceHeartbeat))]
    public Task PresenceHeartbeat([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.PresenceHeartbeat)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(RealtimeApi.PresenceHeartbeat), request.HttpContext);

    // Anonymous at the Functions level on purpose: the service cannot send a function key, it signs instead,
    // and AzureSignalRUpstream answers 401 unless the X-ASRS-Signature matches.
    [Function("SignalRUpstream")]
    public Task SignalRUpstream(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = UpstreamRoute)] HttpRequest request, string hub, string category, string @event) =>
        upstream.HandleAsync(request.HttpContext, hub, category, @event);

    /// <summary>Closes the connections whose token has expired (plus their spread); see <see cref="AzureSignalRSessionConnections"/>.</summary>
    [Function("HubConnectionExpiry")]
    public Task HubConnectionExpiry([TimerTrigger(AzureSignalRSessionConnections.SweepSchedule)] TimerInfo timer, CancellationToken ct) =>
        sessionConnections.CloseExpiredAsync(ct);

    [Function("PresenceSweep")]
    public async Task PresenceSweep([TimerTrigger(SweepSchedule)] TimerInfo timer, CancellationToken ct) =>
        await realtime.PublishAsync(await presence.ExpireStaleAsync(ct), ct);
}
