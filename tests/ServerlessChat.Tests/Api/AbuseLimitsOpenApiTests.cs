using System.Net;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>The OpenAPI document lists the 429s of issue 29 with their Retry-After, so generated clients can handle them.</summary>
[Collection(SharedHostCollection.Name)]
public sealed class AbuseLimitsOpenApiTests(SharedHostFixture fixture)
{
    [Theory]
    [InlineData("/api/auth/login")]
    [InlineData("/api/negotiate")]
    public async Task TheRouteListsTooManyRequestsAsProblemJsonWithRetryAfter(string path)
    {
        var document = await ChatApiClient.ReadAsync(await fixture.Host.Client.GetAsync("api/openapi.json"), HttpStatusCode.OK);

        var tooMany = document["paths"]![path]!["post"]!["responses"]!["429"];
        Assert.NotNull(tooMany);
        Assert.NotNull(tooMany["content"]!["application/problem+json"]);
        Assert.NotNull(tooMany["headers"]!["Retry-After"]);
    }
}
