using System.Net;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Assistant;

/// <summary>The shared host has no Assistant:Endpoint, so the assistant is off there.</summary>
[Collection(SharedHostCollection.Name)]
public sealed class AssistantDisabledTests(SharedHostFixture fixture)
{
    [Fact]
    public async Task WithoutAnEndpointTheAssistantIsDisabledAndHasNoUser()
    {
        var user = await ChatApiClient.RegisterAsync(fixture.Host.Client, "noai");

        var assistant = await ChatApiClient.ReadAsync(await user.GetAsync("api/assistant"), HttpStatusCode.OK);

        Assert.False((bool)assistant["enabled"]!);
        Assert.Null(assistant["userId"]);
        var found = await ChatApiClient.ReadAsync(await user.GetAsync("api/users?search=assistant"), HttpStatusCode.OK);
        Assert.DoesNotContain(found["items"]!.AsArray(), u => (string)u!["username"]! == "assistant");
    }
}
