using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Pins;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class PinsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(PinMessage), HttpMethods.Put, ChatRoutes.MessagePin, PinMessage, RateLimitPolicy.PerUser, "Pin a message (either side of a direct conversation, admins in a group; at most 50 per conversation)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(UnpinMessage), HttpMethods.Delete, ChatRoutes.MessagePin, UnpinMessage, RateLimitPolicy.PerUser, "Unpin a message") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(ListPins), HttpMethods.Get, ChatRoutes.ConversationPins, ListPins, RateLimitPolicy.PerUser, "A conversation's pinned messages, latest pin first"),
    ];

    public static async Task<Ok<MessageDto>> PinMessage(Caller caller, string id, PinService pins, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await pins.PinAsync(caller.UserId, id, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<Ok<MessageDto>> UnpinMessage(Caller caller, string id, PinService pins, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await pins.UnpinAsync(caller.UserId, id, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<Ok<ItemsDto<MessageDto>>> ListPins(Caller caller, string conversationId, PinService pins, CancellationToken ct) =>
        TypedResults.Ok(await pins.ListAsync(caller.UserId, conversationId, ct));
}
