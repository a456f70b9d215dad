using System.Net;
using ServerlessChat.Core.Api;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The Functions app, the standalone host and Core's route table serve exactly the same (method, route) pairs.
/// The Functions side is read by reflection from the built app's [Function]/[HttpTrigger] attributes; the
/// standalone side from the OpenAPI document the running host generates from its real endpoint data source.
/// </summary>
[Collection(SharedHostCollection.Name)]
public sealed class RouteParityTests(SharedHostFixture fixture)
{
    // The SignalR Service upstream is the service's door in, not part of the API.
    private const string UpstreamRoute = "signalr/{hub}/{category}/{event}";

    [Fact]
    public async Task FunctionsAppStandaloneHostAndRouteTableServeTheSameRoutes()
    {
        var table = ChatApi.Endpoints.Select(e => Key(e.Method, e.Route)).ToHashSet();

        using var functions = new FunctionsAssembly();
        var triggers = functions.HttpFunctions().Where(f => f.Route != UpstreamRoute).ToList();
        Assert.All(triggers, f => Assert.Single(f.Methods));
        var functionRoutes = triggers.Select(f => Key(f.Methods[0], f.Route)).ToList();
        Assert.Equal(functionRoutes.Count, functionRoutes.Distinct().Count());

        var document = await ChatApiClient.ReadAsync(await fixture.Host.Client.GetAsync("api/openapi.json"), HttpStatusCode.OK);
        var standaloneRoutes = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation =>
                Key(operation.Key, path.Key[$"/{ChatRoutes.Prefix}/".Length..])))
            .ToHashSet();

        Assert.Equal(Sorted(table), Sorted(functionRoutes));
        Assert.Equal(Sorted(table), Sorted(standaloneRoutes));
    }

    [Fact]
    public void EachFunctionIsNamedAfterTheRouteTableEntryItServes()
    {
        using var functions = new FunctionsAssembly();
        var byRoute = functions.HttpFunctions().Where(f => f.Route != UpstreamRoute).ToDictionary(f => Key(f.Methods[0], f.Route), f => f.Name);

        Assert.All(ChatApi.Endpoints, e => Assert.Equal(e.Name, byRoute[Key(e.Method, e.Route)]));
    }

    [Fact]
    public void TheUpstreamFunctionServesTheUrlTemplateTheBicepConfigures()
    {
        using var functions = new FunctionsAssembly();
        var upstream = Assert.Single(functions.HttpFunctions(), f => f.Route == UpstreamRoute);
        Assert.Equal(["POST"], upstream.Methods);

        var bicep = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "app", "signalr.bicep"));
        Assert.Contains($"/{ChatRoutes.Prefix}/{UpstreamRoute}'", bicep, StringComparison.Ordinal);
    }

    private static string Key(string method, string route) => $"{method.ToUpperInvariant()} {route}";

    private static List<string> Sorted(IEnumerable<string> routes) => [.. routes.Order(StringComparer.Ordinal)];
}
