using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.ServerApi;

/// <summary>
/// The integrator's backend calling the server API, named by its credential (the audit log's actor). A handler
/// that takes one requires an <c>X-Api-Key</c> of <c>Admin:ApiKeys</c>; a user's bearer token is no credential
/// here, so binding fails with 401 before the handler or any store is reached.
/// </summary>
public sealed record ServerCaller(string Name)
{
    public const string ApiKeyHeader = "X-Api-Key";

    public static ValueTask<ServerCaller?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var key = context.Request.Headers[ApiKeyHeader].ToString();
        var entra = context.RequestServices.GetRequiredService<ServerEntraTokens>();
        const string scheme = "Bearer ";
        var header = context.Request.Headers.Authorization.ToString();
        if (key.Length == 0 && entra.Enabled && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return EntraAsync(context, entra, header[scheme.Length..].Trim());
        }

        var name = context.RequestServices.GetRequiredService<ServerApiKeys>().Authenticate(key)
            ?? throw ProblemException.Unauthorized("The server API needs a valid X-Api-Key.");
        return ValueTask.FromResult<ServerCaller?>(Accept(context, name));
    }

    private static async ValueTask<ServerCaller?> EntraAsync(HttpContext context, ServerEntraTokens entra, string token) =>
        Accept(context, await entra.AuthenticateAsync(token, context.RequestAborted)
            ?? throw ProblemException.Unauthorized("The server API needs an app-only token with the app role Chat.Admin."));

    private static ServerCaller Accept(HttpContext context, string name)
    {
        var caller = new ServerCaller(name);
        context.Items[typeof(ServerCaller)] = caller;
        return caller;
    }

    public static ServerCaller? Of(HttpContext context) => context.Items.TryGetValue(typeof(ServerCaller), out var value) ? value as ServerCaller : null;
}
