using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Edits;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class EditsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(EditMessage), HttpMethods.Patch, ChatRoutes.MessageById, EditMessage, RateLimitPolicy.PerUser, "Edit one's own message (the earlier text is kept in its history)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(GetMessageEdits), HttpMethods.Get, ChatRoutes.MessageEdits, GetMessageEdits, RateLimitPolicy.PerUser, "The earlier versions of a message, oldest first (none once it is deleted)"),
    ];

    public static async Task<Ok<MessageDto>> EditMessage(
        Caller caller, string id, JsonBody<EditMessageRequest> body, MessageEdits edits, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await edits.EditAsync(caller.UserId, id, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<Ok<ItemsDto<MessageEditDto>>> GetMessageEdits(Caller caller, string id, MessageEdits edits, CancellationToken ct) =>
        TypedResults.Ok(await edits.ListAsync(caller.UserId, id, ct));
}
