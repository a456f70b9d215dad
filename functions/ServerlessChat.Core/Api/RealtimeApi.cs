using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class RealtimeApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(Negotiate), HttpMethods.Post, ChatRoutes.Negotiate, Negotiate, RateLimitPolicy.PerUser, "Where and with which token the SignalR client connects; 429 with Retry-After beyond the user's connection cap") { Problems = [StatusCodes.Status429TooManyRequests] },
        new(nameof(Typing), HttpMethods.Post, ChatRoutes.Typing, Typing, RateLimitPolicy.PerUser, "Tell the others in a conversation that the caller is typing") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(GetPresence), HttpMethods.Get, ChatRoutes.Presence, GetPresence, RateLimitPolicy.PerUser, "Online state of the caller's contacts"),
        new(nameof(PresenceHeartbeat), HttpMethods.Post, ChatRoutes.PresenceHeartbeat, PresenceHeartbeat, RateLimitPolicy.PerUser, "Keep the caller online; send every 30 seconds"),
    ];

    // The SignalR clients POST here with an empty body and ?negotiateVersion=1, so nothing but the token is read.
    public static async Task<Ok<NegotiateDto>> Negotiate(Caller caller, HttpRequest request, HubConnectionCap cap, INegotiator negotiator, CancellationToken ct)
    {
        await cap.ReserveAsync(caller.UserId, ct);
        return TypedResults.Ok(await negotiator.NegotiateAsync(caller.UserId, request, ct));
    }

    public static async Task<Accepted> Typing(
        Caller caller, JsonBody<TypingRequest> body, TypingService typing, IRealtimePublisher realtime, CancellationToken ct)
    {
        await realtime.PublishAsync(await typing.TypingAsync(caller.UserId, body.Value, ct), ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Ok<ItemsDto<PresenceDto>>> GetPresence(Caller caller, string? userIds, PresenceService presence, CancellationToken ct) =>
        TypedResults.Ok(await presence.GetAsync(caller.UserId, userIds, ct));

    public static async Task<NoContent> PresenceHeartbeat(Caller caller, PresenceService presence, IRealtimePublisher realtime, CancellationToken ct)
    {
        await realtime.PublishAsync(await presence.HeartbeatAsync([caller.UserId], ct), ct);
        return TypedResults.NoContent();
    }
}
