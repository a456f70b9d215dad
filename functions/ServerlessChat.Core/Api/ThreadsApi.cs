using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Threads;

namespace ServerlessChat.Core.Api;

public static class ThreadsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(GetThread), HttpMethods.Get, ChatRoutes.MessageThread, GetThread, RateLimitPolicy.PerUser, "A page of a message's thread, oldest first") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(ListThreads), HttpMethods.Get, ChatRoutes.Threads, ListThreads, RateLimitPolicy.PerUser, "The caller's threads with their unread replies, latest reply first"),
    ];

    public static async Task<Ok<ThreadPageDto>> GetThread(Caller caller, string id, string? after, string? limit, ThreadService threads, CancellationToken ct) =>
        TypedResults.Ok(await threads.GetPageAsync(caller.UserId, id, after, limit, ct));

    public static async Task<Ok<ThreadListDto>> ListThreads(Caller caller, string? before, string? limit, ThreadService threads, CancellationToken ct) =>
        TypedResults.Ok(await threads.ListAsync(caller.UserId, before, limit, ct));
}
