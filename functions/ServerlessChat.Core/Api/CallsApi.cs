using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class CallsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(SignalCall), HttpMethods.Post, ChatRoutes.CallSignal, SignalCall, RateLimitPolicy.PerUser, "Relay a WebRTC offer, answer, ICE candidate or hangup") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound] },
        new(nameof(GetIceServers), HttpMethods.Get, ChatRoutes.IceServers, GetIceServers, RateLimitPolicy.PerUser, "The STUN and TURN servers for calls"),
    ];

    public static async Task<Accepted> SignalCall(
        Caller caller, JsonBody<CallSignalRequest> body, CallSignaling calls, IRealtimePublisher realtime, CancellationToken ct)
    {
        await realtime.PublishAsync(await calls.SignalAsync(caller.UserId, body.Value, ct), ct);
        return TypedResults.Accepted((string?)null);
    }

    // Takes the caller only so that the route requires a token: TURN credentials are not for anonymous callers.
    public static Ok<IceServersDto> GetIceServers(Caller caller, CallSignaling calls) => TypedResults.Ok(calls.IceServers);
}
