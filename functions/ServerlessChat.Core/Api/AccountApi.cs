using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Account;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

/// <summary>API.md "Sessions and the account": erasing the account, and exporting its data.</summary>
public static class AccountApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(DeleteAccount), HttpMethods.Delete, ChatRoutes.Me, DeleteAccount, RateLimitPolicy.PerUser,
            "Erase the caller's account (confirmed with its password); the erasure is done in the background"),
        new(nameof(RequestExport), HttpMethods.Post, ChatRoutes.MyExport, RequestExport, RateLimitPolicy.PerUser,
            "Start an export of the caller's data (at most one a day)") { Problems = [StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable] },
        new(nameof(GetExport), HttpMethods.Get, ChatRoutes.MyExportById, GetExport, RateLimitPolicy.PerUser,
            "An export's state; once ready, a freshly signed link to its ZIP"),
    ];

    public static async Task<Accepted> DeleteAccount(
        Caller caller, JsonBody<DeleteAccountRequest> body, HttpRequest request, RequestRateLimiter limiter, AccountErasure erasure, CancellationToken ct)
    {
        await erasure.RequestOwnAsync(caller, body.Value, limiter.NetworkOf(request.HttpContext), ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Accepted<ExportDto>> RequestExport(Caller caller, AccountExport export, CancellationToken ct) =>
        TypedResults.Accepted((string?)null, await export.RequestAsync(caller.UserId, ct));

    public static async Task<Ok<ExportDto>> GetExport(Caller caller, string id, AccountExport export, CancellationToken ct) =>
        TypedResults.Ok(await export.GetAsync(caller.UserId, id, ct));
}
