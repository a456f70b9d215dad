using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

/// <summary>One row of the route table: what both hosts serve at <see cref="Route"/>.</summary>
public sealed record ChatEndpoint(string Name, string Method, string Route, Delegate Handler, RateLimitPolicy RateLimit, string Summary)
{
    /// <summary>
    /// Problem statuses the domain rules can answer beyond those the signature implies (401 for a caller, 400/413/415
    /// for a JSON body, 404 for an <c>{id}</c>, 429/503 for a rate limit; see <c>ChatEndpointTraits</c>), for the
    /// OpenAPI document. Empty by default.
    /// </summary>
    public IReadOnlyList<int> Problems { get; init; } = [];

    /// <summary>The access policy: the least role a caller needs (403 below it). Routes that take a caller need a user by default.</summary>
    public ChatRole MinimumRole { get; init; } = ChatRole.User;

    /// <summary>A route of local password accounts only: 404 when <c>Auth:LocalAccounts</c> is false.</summary>
    public bool LocalAccountsOnly { get; init; }

    /// <summary>
    /// The filter every endpoint runs on both hosts, after binding (so the caller is known) and before the
    /// handler: security headers, then the rate limit, then the access policy (<see cref="MinimumRole"/>).
    /// </summary>
    public EndpointFilterDelegate Filter(EndpointFilterDelegate next) => async invocation =>
    {
        var context = invocation.HttpContext;
        SecurityHeaders.Apply(context.Response);
        if (LocalAccountsOnly && !context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.LocalAccounts)
        {
            throw ProblemException.NotFound("This server has no local accounts; sign in with its identity provider.");
        }

        if (RateLimit != RateLimitPolicy.None)
        {
            await context.RequestServices.GetRequiredService<RequestRateLimiter>().CheckAsync(RateLimit, context);
        }

        if (MinimumRole != ChatRole.User)
        {
            var caller = Caller.Of(context) ?? throw ProblemException.Unauthorized();
            var role = await context.RequestServices.GetRequiredService<ModerationRoles>().GetAsync(caller.UserId, context.RequestAborted);
            if (role < MinimumRole)
            {
                throw ProblemException.Forbidden(MinimumRole == ChatRole.Admin ? "Admins only." : "Moderators and admins only.");
            }
        }

        return await next(invocation);
    };
}
