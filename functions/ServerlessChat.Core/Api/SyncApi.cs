using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Api;

public static class SyncApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(Sync), HttpMethods.Get, ChatRoutes.Sync, Sync, RateLimitPolicy.PerUser, "Every change the caller may see after a cursor, paged") { Problems = [StatusCodes.Status410Gone] },
    ];

    public static async Task<Ok<SyncAnswerDto>> Sync(Caller caller, string? since, string? limit, SyncService sync, CancellationToken ct) =>
        TypedResults.Ok(await sync.SyncAsync(caller.UserId, since, limit, ct));
}
