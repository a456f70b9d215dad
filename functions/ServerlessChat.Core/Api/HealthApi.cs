using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Api;

public static class HealthApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(GetHealth), HttpMethods.Get, ChatRoutes.Health, GetHealth, RateLimitPolicy.None, "Whether the service and its storage answer") { Problems = [StatusCodes.Status503ServiceUnavailable] },
    ];

    public static async Task<Results<Ok<HealthDto>, ProblemHttpResult>> GetHealth(IStorageHealth storage, HttpContext context, CancellationToken ct)
    {
        bool reachable;
        try
        {
            reachable = await storage.PingAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            reachable = false;
        }

        return reachable
            ? TypedResults.Ok(new HealthDto("ok", storage.Name))
            : (ProblemHttpResult)ChatProblems.Create(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable", "Storage cannot be reached.");
    }
}
