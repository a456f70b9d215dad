using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Search;

namespace ServerlessChat.Core.Api;

public static class SearchApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(SearchMessages), HttpMethods.Get, ChatRoutes.SearchMessages, SearchMessages, RateLimitPolicy.PerUser, "Messages of the caller's conversations matching every word, newest first"),
    ];

    public static async Task<Ok<SearchPageDto>> SearchMessages(
        Caller caller, string? q, string? with, string? groupId, string? before, string? limit, SearchService search, CancellationToken ct) =>
        TypedResults.Ok(await search.SearchAsync(caller.UserId, q, with, groupId, before, limit, ct));
}
