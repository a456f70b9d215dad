using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.ReadMarkers;

namespace ServerlessChat.Core.Api;

public static class ReadMarkersApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(ListReadMarkers), HttpMethods.Get, ChatRoutes.ConversationReadMarkers, ListReadMarkers, RateLimitPolicy.PerUser, "Where each participant has read to, furthest first (\"seen by\")"),
    ];

    public static async Task<Ok<ItemsDto<ReadMarkerDto>>> ListReadMarkers(Caller caller, string conversationId, ReadMarkersService markers, CancellationToken ct) =>
        TypedResults.Ok(await markers.ListAsync(caller.UserId, conversationId, ct));
}
