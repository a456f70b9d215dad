using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Reactions;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class ReactionsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(AddReaction), HttpMethods.Put, ChatRoutes.MessageReactions, AddReaction, RateLimitPolicy.PerUser, "React to a message with an emoji") { Problems = [StatusCodes.Status409Conflict] },
        new(nameof(RemoveReaction), HttpMethods.Delete, ChatRoutes.MessageReaction, RemoveReaction, RateLimitPolicy.PerUser, "Take back one's reaction (the emoji URL-encoded)") { Problems = [StatusCodes.Status409Conflict] },
    ];

    public static async Task<Ok<MessageDto>> AddReaction(
        Caller caller, string id, JsonBody<ReactRequest> body, ReactionService reactions, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await reactions.AddAsync(caller.UserId, id, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<Ok<MessageDto>> RemoveReaction(
        Caller caller, string id, string emoji, ReactionService reactions, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await reactions.RemoveAsync(caller.UserId, id, emoji, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }
}
