using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Sessions;

namespace ServerlessChat.Core.Api;

/// <summary>API.md "Sessions and the account": the caller's sessions, ending them, and changing the password.</summary>
public static class SessionsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(ListSessions), HttpMethods.Get, ChatRoutes.Sessions, ListSessions, RateLimitPolicy.PerUser, "The caller's sessions, most recently used first"),
        new(nameof(EndSession), HttpMethods.Delete, ChatRoutes.SessionById, EndSession, RateLimitPolicy.PerUser, "End one of the caller's sessions"),
        new(nameof(EndOtherSessions), HttpMethods.Delete, ChatRoutes.Sessions, EndOtherSessions, RateLimitPolicy.PerUser, "End every session but the caller's"),
        new(nameof(ChangePassword), HttpMethods.Post, ChatRoutes.Password, ChangePassword, RateLimitPolicy.PerUser, "Change the password; every other session ends") { LocalAccountsOnly = true },
    ];

    public static async Task<Ok<ItemsDto<SessionInfoDto>>> ListSessions(Caller caller, SessionService sessions, CancellationToken ct) =>
        TypedResults.Ok(await sessions.ListAsync(caller, ct));

    public static async Task<NoContent> EndSession(Caller caller, string id, SessionService sessions, CancellationToken ct)
    {
        await sessions.EndOneAsync(caller, id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> EndOtherSessions(Caller caller, SessionService sessions, CancellationToken ct)
    {
        await sessions.EndOthersAsync(caller, ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> ChangePassword(Caller caller, JsonBody<ChangePasswordRequest> body, HttpRequest request, RequestRateLimiter limiter, SessionService sessions, CancellationToken ct)
    {
        await sessions.ChangePasswordAsync(caller, body.Value, limiter.NetworkOf(request.HttpContext), ct);
        return TypedResults.NoContent();
    }
}
