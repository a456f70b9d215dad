using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Api;

/// <summary>
/// Runs a route-table endpoint on an HttpContext that some other host has already routed, as the Functions
/// app's triggers do. It builds the same request delegate ASP.NET Core routing would (binding, filter,
/// handler, result) with RequestDelegateFactory, so both hosts answer byte for byte alike.
/// </summary>
public sealed class ChatEndpointInvoker
{
    private readonly FrozenDictionary<string, RequestDelegate> _delegates;

    public ChatEndpointInvoker(IServiceProvider services)
    {
        _delegates = ChatApi.Endpoints.ToFrozenDictionary(e => e.Name, e => Build(e, services), StringComparer.Ordinal);
    }

    public async Task InvokeAsync(string endpointName, HttpContext context, params IEnumerable<KeyValuePair<string, string>> routeValues)
    {
        foreach (var (key, value) in routeValues)
        {
            context.Request.RouteValues[key] = value;
        }

        try
        {
            await _delegates[endpointName](context);
        }
        catch (Exception error) when (!context.Response.HasStarted)
        {
            await ChatProblems.WriteAsync(context, error);
        }
    }

    private static RequestDelegate Build(ChatEndpoint endpoint, IServiceProvider services)
    {
        var pattern = RoutePatternFactory.Parse(endpoint.Route);
        var builder = new RouteEndpointBuilder(null, pattern, order: 0) { ApplicationServices = services };
        builder.FilterFactories.Add((_, next) => endpoint.Filter(next));
        var options = new RequestDelegateFactoryOptions
        {
            ServiceProvider = services,
            RouteParameterNames = pattern.Parameters.Select(p => p.Name).ToList(),
            EndpointBuilder = builder,
        };
        var metadata = RequestDelegateFactory.InferMetadata(endpoint.Handler.Method, options);
        return RequestDelegateFactory.Create(endpoint.Handler, options, metadata).RequestDelegate;
    }
}
