using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Auth;

/// <summary>
/// The authenticated user of a request. A handler that takes a <see cref="Caller"/> requires a valid bearer
/// token; binding fails with 401 otherwise, before the handler or any store is reached.
/// </summary>
public sealed record Caller(string UserId)
{
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw ProblemException.Unauthorized();
        }

        var userId = context.RequestServices.GetRequiredService<AccessTokens>().Validate(header[scheme.Length..].Trim())
            ?? throw ProblemException.Unauthorized("The access token is malformed, forged or expired.");
        var caller = new Caller(userId);
        context.Items[typeof(Caller)] = caller;
        return ValueTask.FromResult<Caller?>(caller);
    }

    public static Caller? Of(HttpContext context) => context.Items.TryGetValue(typeof(Caller), out var value) ? value as Caller : null;
}
