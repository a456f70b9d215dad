using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessChat.Core.Auth.External;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Sessions;

namespace ServerlessChat.Core.Auth;

/// <summary>
/// The authenticated user of a request. A handler that takes a <see cref="Caller"/> requires a valid bearer
/// token; binding fails with 401 otherwise, before the handler or any store is reached.
/// </summary>
public sealed record Caller(string UserId)
{
    /// <summary>The session (login chain) the access token belongs to; null for a token that names none.</summary>
    public string? SessionId { get; init; }

    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw ProblemException.Unauthorized();
        }

        var bearer = header[scheme.Length..].Trim();
        var token = context.RequestServices.GetRequiredService<AccessTokens>().Read(bearer);
        if (token is null)
        {
            // Not one of ours: an external issuer's token, when one is configured (Auth:External).
            var external = context.RequestServices.GetRequiredService<ExternalIdentities>();
            return external.Enabled
                ? ExternalAsync(context, external, bearer)
                : throw ProblemException.Unauthorized("The access token is malformed, forged or expired.");
        }

        var caller = new Caller(token.UserId) { SessionId = token.SessionId };

        // Fresh lists answer without waiting; a stale one is read again from the store first.
        var suspended = context.RequestServices.GetRequiredService<SuspensionDirectory>().FindAsync(caller.UserId, context.RequestAborted);
        var ended = token.SessionId is null
            ? ValueTask.FromResult(false)
            : context.RequestServices.GetRequiredService<SessionRevocations>().IsEndedAsync(token.SessionId, context.RequestAborted);
        return suspended.IsCompletedSuccessfully && ended.IsCompletedSuccessfully
            ? Check(context, caller, ended.Result, suspended.Result)
            : CheckAsync(context, caller, ended, suspended);

        static async ValueTask<Caller?> CheckAsync(HttpContext context, Caller caller, ValueTask<bool> ended, ValueTask<Domain.SuspensionRecord?> suspended) =>
            await Check(context, caller, await ended, await suspended);
    }

    private static async ValueTask<Caller?> ExternalAsync(HttpContext context, ExternalIdentities external, string bearer)
    {
        var caller = await external.AuthenticateAsync(bearer, context.RequestAborted)
            ?? throw ProblemException.Unauthorized("The access token is malformed, forged or expired.");
        var suspended = await context.RequestServices.GetRequiredService<SuspensionDirectory>().FindAsync(caller.UserId, context.RequestAborted);
        return await Check(context, caller, ended: false, suspended);
    }

    private static ValueTask<Caller?> Check(HttpContext context, Caller caller, bool ended, Domain.SuspensionRecord? suspended) =>
        ended ? throw ProblemException.Unauthorized("The session of this access token has ended.")
        : suspended is not null ? throw ModerationService.Suspended(suspended)
        : Accept(context, caller);

    private static ValueTask<Caller?> Accept(HttpContext context, Caller caller)
    {
        context.Items[typeof(Caller)] = caller;
        return ValueTask.FromResult<Caller?>(caller);
    }

    public static Caller? Of(HttpContext context) => context.Items.TryGetValue(typeof(Caller), out var value) ? value as Caller : null;
}
