using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

public static class BlockingApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(BlockUser), HttpMethods.Put, ChatRoutes.UserBlock, BlockUser, RateLimitPolicy.PerUser, "Block a user: its direct messages, calls and typing stop reaching the caller"),
        new(nameof(UnblockUser), HttpMethods.Delete, ChatRoutes.UserBlock, UnblockUser, RateLimitPolicy.PerUser, "Unblock a user"),
        new(nameof(GetBlockedUsers), HttpMethods.Get, ChatRoutes.BlockedUsers, GetBlockedUsers, RateLimitPolicy.PerUser, "The users the caller has blocked"),
    ];

    public static async Task<NoContent> BlockUser(Caller caller, string id, BlockService blocks, CancellationToken ct)
    {
        await blocks.BlockAsync(caller.UserId, id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> UnblockUser(Caller caller, string id, BlockService blocks, CancellationToken ct)
    {
        await blocks.UnblockAsync(caller.UserId, id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ItemsDto<UserDto>>> GetBlockedUsers(Caller caller, BlockService blocks, CancellationToken ct) =>
        TypedResults.Ok(await blocks.ListAsync(caller.UserId, ct));
}
