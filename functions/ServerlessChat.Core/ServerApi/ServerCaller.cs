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
        var name = context.RequestServices.GetRequiredService<ServerApiKeys>().Authenticate(context.Request.Headers[ApiKeyHeader].ToString())
            ?? throw ProblemException.Unauthorized("The server API needs a valid X-Api-Key.");
        var caller = new ServerCaller(name);
        context.Items[typeof(ServerCaller)] = caller;
        return ValueTask.FromResult<ServerCaller?>(caller);
    }

    public static ServerCaller? Of(HttpContext context) => context.Items.TryGetValue(typeof(ServerCaller), out var value) ? value as ServerCaller : null;
}
