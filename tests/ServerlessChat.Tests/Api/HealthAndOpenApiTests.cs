using System.Net;
using ServerlessChat.Core.Api;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class HealthAndOpenApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task HealthAnswersOkWithTheStorageNameAndNeedsNoToken()
    {
        var response = await _http.GetAsync("api/health");

        var health = await ChatApiClient.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal("ok", (string)health["status"]!);
        Assert.Equal(TestStorage.HealthName, (string)health["storage"]!);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryRouteOfTheRouteTable()
    {
        var response = await _http.GetAsync("api/openapi.json");

        var document = await ChatApiClient.ReadAsync(response, HttpStatusCode.OK);
        Assert.StartsWith("3.", (string)document["openapi"]!);
        var paths = document["paths"]!.AsObject();
        var missing = ChatApi.Endpoints
            .Where(e => paths[$"/{ChatRoutes.Prefix}/{e.Route}"]?[e.Method.ToLowerInvariant()] is null)
            .Select(e => $"{e.Method} /{ChatRoutes.Prefix}/{e.Route}")
            .ToList();
        Assert.True(missing.Count == 0, "missing from the OpenAPI document: " + string.Join(", ", missing));
        Assert.NotEmpty(ChatApi.Endpoints);
    }

    [Fact]
    public async Task TheOpenApiDocumentNamesEachOperationAfterItsRouteTableEntry()
    {
        var document = await ChatApiClient.ReadAsync(await _http.GetAsync("api/openapi.json"), HttpStatusCode.OK);

        foreach (var endpoint in ChatApi.Endpoints)
        {
            var operation = document["paths"]![$"/{ChatRoutes.Prefix}/{endpoint.Route}"]![endpoint.Method.ToLowerInvariant()]!;
            Assert.Equal(endpoint.Name, (string?)operation["operationId"]);
            Assert.Equal(endpoint.Summary, (string?)operation["summary"]);
        }
    }
}
