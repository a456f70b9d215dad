using System.Reflection;
using Microsoft.AspNetCore.Http;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.ServerApi;

namespace ServerlessChat.Core.Api.OpenApi;

/// <summary>
/// What a route table entry's handler signature says about it, so the document follows the code: a
/// <see cref="Caller"/> parameter means a bearer token (401, and 403 for a suspended user or below the route's
/// <see cref="ChatEndpoint.MinimumRole"/>), a <see cref="JsonBody{T}"/> a JSON body (400, 413,
/// 415), an <c>{id}</c> a resource that may not be there (404), a query parameter validation (400), a rate limit
/// 429 and a store behind it (the limiter's counters) 503. <see cref="ChatEndpoint.Problems"/> adds what only the
/// domain rules know.
/// </summary>
public static class ChatEndpointTraits
{
    public static bool RequiresToken(ChatEndpoint endpoint) =>
        Parameters(endpoint).Any(p => p.ParameterType == typeof(Caller));

    /// <summary>A <see cref="ServerCaller"/> parameter: the server API's key (401 without a valid one).</summary>
    public static bool RequiresApiKey(ChatEndpoint endpoint) =>
        Parameters(endpoint).Any(p => p.ParameterType == typeof(ServerCaller));

    /// <summary>The <c>T</c> of the handler's <see cref="JsonBody{T}"/> parameter, or null.</summary>
    public static Type? BodyType(ChatEndpoint endpoint) =>
        Parameters(endpoint)
            .Select(p => p.ParameterType)
            .FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(JsonBody<>))
            ?.GetGenericArguments()[0];

    public static IReadOnlyList<int> ProblemStatuses(ChatEndpoint endpoint)
    {
        var statuses = new SortedSet<int>(endpoint.Problems);
        if (RequiresToken(endpoint))
        {
            statuses.UnionWith([StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden]);
        }

        if (RequiresApiKey(endpoint))
        {
            statuses.Add(StatusCodes.Status401Unauthorized);
        }

        if (BodyType(endpoint) is not null)
        {
            statuses.UnionWith([StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType]);
        }

        if (HasQueryParameters(endpoint))
        {
            statuses.Add(StatusCodes.Status400BadRequest);
        }

        if (endpoint.Route.Contains('{') || endpoint.LocalAccountsOnly)
        {
            statuses.Add(StatusCodes.Status404NotFound);
        }

        if (endpoint.RateLimit != RateLimitPolicy.None)
        {
            statuses.UnionWith([StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable]);
        }

        return [.. statuses];
    }

    private static bool HasQueryParameters(ChatEndpoint endpoint) =>
        Parameters(endpoint).Any(p =>
            (p.ParameterType == typeof(string) || Nullable.GetUnderlyingType(p.ParameterType) is not null || p.ParameterType.IsPrimitive)
            && !endpoint.Route.Contains("{" + p.Name + "}", StringComparison.OrdinalIgnoreCase));

    private static ParameterInfo[] Parameters(ChatEndpoint endpoint) => endpoint.Handler.Method.GetParameters();
}
