using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Push;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

public static class PushApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(GetVapidPublicKey), HttpMethods.Get, ChatRoutes.PushVapidPublicKey, GetVapidPublicKey, RateLimitPolicy.PerUser, "The application server key to subscribe a browser with") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(SubscribePush), HttpMethods.Post, ChatRoutes.PushSubscriptions, SubscribePush, RateLimitPolicy.PerUser, "Store a browser's push subscription for the caller") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(UnsubscribePush), HttpMethods.Delete, ChatRoutes.PushSubscriptions, UnsubscribePush, RateLimitPolicy.PerUser, "Remove one of the caller's push subscriptions by endpoint") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(ListMutes), HttpMethods.Get, ChatRoutes.PushMutes, ListMutes, RateLimitPolicy.PerUser, "The conversations the caller muted") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(MuteConversation), HttpMethods.Put, ChatRoutes.ConversationMute, MuteConversation, RateLimitPolicy.PerUser, "No pushes to the caller from this conversation") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(UnmuteConversation), HttpMethods.Delete, ChatRoutes.ConversationMute, UnmuteConversation, RateLimitPolicy.PerUser, "Pushes from this conversation again") { Problems = [StatusCodes.Status404NotFound] },
    ];

    public static Ok<VapidPublicKeyDto> GetVapidPublicKey(Caller caller, PushService push) => TypedResults.Ok(push.GetPublicKey());

    public static async Task<Created> SubscribePush(Caller caller, JsonBody<PushSubscriptionRequest> body, PushService push, CancellationToken ct)
    {
        await push.SubscribeAsync(caller.UserId, body.Value, ct);
        return TypedResults.Created();
    }

    public static async Task<NoContent> UnsubscribePush(Caller caller, string? endpoint, PushService push, CancellationToken ct)
    {
        await push.UnsubscribeAsync(caller.UserId, endpoint, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<MutesDto>> ListMutes(Caller caller, PushService push, CancellationToken ct) =>
        TypedResults.Ok(await push.ListMutesAsync(caller.UserId, ct));

    public static async Task<NoContent> MuteConversation(Caller caller, string conversationId, PushService push, CancellationToken ct)
    {
        await push.MuteAsync(caller.UserId, conversationId, muted: true, ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> UnmuteConversation(Caller caller, string conversationId, PushService push, CancellationToken ct)
    {
        await push.MuteAsync(caller.UserId, conversationId, muted: false, ct);
        return TypedResults.NoContent();
    }
}
