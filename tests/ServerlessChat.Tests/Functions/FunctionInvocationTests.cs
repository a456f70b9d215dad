using System.Net;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>Function classes of the Functions app, built from its real service registrations and called directly.</summary>
public sealed class FunctionInvocationTests : IAsyncLifetime
{
    private FunctionsAppServices _app = null!;

    public async Task InitializeAsync() => _app = await FunctionsAppServices.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task RegisterFunctionCreatesTheAccountAndAnswersASession()
    {
        var username = ChatApiClient.UniqueName("fn");
        var (status, contentType, body) = await _app.InvokeAsync("AuthFunctions", "Register", FunctionsAppServices.Request(
            "POST", "/api/auth/register", $$"""{"username":"{{username}}","email":"{{username}}@example.test","password":"correct horse battery"}"""));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.StartsWith("application/json", contentType);
        Assert.Equal(username, (string?)body!["user"]!["username"]);
        Assert.False(string.IsNullOrEmpty((string?)body["accessToken"]));
    }

    [Fact]
    public async Task RegisterFunctionAnswersAProblemForABadBody()
    {
        var (status, contentType, body) = await _app.InvokeAsync("AuthFunctions", "Register", FunctionsAppServices.Request("POST", "/api/auth/register", "{\"username\":"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(400, (int)body!["status"]!);
    }

    [Fact]
    public async Task HealthFunctionReportsTheStorage()
    {
        var (status, _, body) = await _app.InvokeAsync("HealthFunctions", "GetHealth", FunctionsAppServices.Request("GET", "/api/health"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", (string?)body!["status"]);
        Assert.Equal(TestStorage.HealthName, (string?)body["storage"]);
    }

    [Fact]
    public async Task RouteValuesReachTheHandler()
    {
        var session = await _app.RegisterAsync();
        var missing = "0123456789abcdef01234567";

        var (status, _, body) = await _app.InvokeAsync("MessagesFunctions", "DeleteMessage",
            FunctionsAppServices.Request("DELETE", $"/api/messages/{missing}", bearer: session.Token), missing);

        // A 404 for that id (not a 400 for a missing one) shows the id arrived as the handler's route value.
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, (int)body!["status"]!);
    }

    [Fact]
    public async Task UpstreamConnectedEventWithTheRightSignatureTurnsTheUserOnline()
    {
        var session = await _app.RegisterAsync();
        var connectionId = Guid.NewGuid().ToString("N");
        var upstream = Upstream(connectionId, session.UserId, $"sha256={new string('0', 64)}, {UpstreamSignature.Compute(FunctionsAppServices.AccessKey, connectionId)}");

        var (status, _, _) = await _app.InvokeAsync("RealtimeFunctions", "SignalRUpstream", upstream, ChatHub.Name, "connections", "connected");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(await IsOnlineAsync(session));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("sha256=zz")]
    [InlineData("tampered")]
    [InlineData("other-key")]
    [InlineData("other-connection")]
    public async Task UpstreamEventWithoutAValidSignatureIsRefusedAndChangesNothing(string? signature)
    {
        var session = await _app.RegisterAsync();
        var connectionId = Guid.NewGuid().ToString("N");
        var genuine = UpstreamSignature.Compute(FunctionsAppServices.AccessKey, connectionId);
        var header = signature switch
        {
            "tampered" => genuine[..^1] + (genuine[^1] == '0' ? '1' : '0'),
            "other-key" => UpstreamSignature.Compute("some-other-access-key-0123456789-abcdefghij", connectionId),
            "other-connection" => UpstreamSignature.Compute(FunctionsAppServices.AccessKey, connectionId + "x"),
            _ => signature,
        };

        var (status, contentType, _) = await _app.InvokeAsync("RealtimeFunctions", "SignalRUpstream",
            Upstream(connectionId, session.UserId, header), ChatHub.Name, "connections", "connected");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.False(await IsOnlineAsync(session));
    }


    private async Task<bool> IsOnlineAsync((string UserId, string Token, string Username) session)
    {
        var (status, _, body) = await _app.InvokeAsync("RealtimeFunctions", "GetPresence",
            FunctionsAppServices.Request("GET", $"/api/presence?userIds={session.UserId}", bearer: session.Token));
        Assert.Equal(HttpStatusCode.OK, status);
        return (bool)body!["items"]![0]!["online"]!;
    }

    private static Microsoft.AspNetCore.Http.DefaultHttpContext Upstream(string connectionId, string userId, string? signature)
    {
        var context = FunctionsAppServices.Request("POST", $"/api/signalr/{ChatHub.Name}/connections/connected", "{}");
        context.Request.Headers[AzureSignalRUpstream.ConnectionIdHeader] = connectionId;
        context.Request.Headers[AzureSignalRUpstream.UserIdHeader] = userId;
        if (signature is not null)
        {
            context.Request.Headers[UpstreamSignature.Header] = signature;
        }

        return context;
    }
}
