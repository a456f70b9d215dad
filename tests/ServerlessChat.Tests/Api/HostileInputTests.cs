using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>Bodies, types and tokens an attacker or a broken client sends: every one is a clean 4xx problem, never a 500 or a success.</summary>
[Collection(SharedHostCollection.Name)]
public sealed class HostileInputTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Theory]
    [InlineData("{\"username\": \"abc\",")]
    [InlineData("{username: 'abc'}")]
    [InlineData("{\"username\": \"abc\"} trailing")]
    [InlineData("{\"username\": \"abc\", /* comment */ \"password\": \"x\"}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"just a string\"")]
    [InlineData("")]
    public async Task MalformedJsonAnswersBadRequest(string body)
    {
        var response = await ChatApiClient.PostRawAsync(_http, "api/auth/register", body);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("""{"username": {"$ne": ""}, "email": "a@example.test", "password": "long enough pw"}""", "username")]
    [InlineData("""{"username": "valid_name", "email": {"$regex": ".*"}, "password": "long enough pw"}""", "email")]
    [InlineData("""{"username": 12345, "email": "a@example.test", "password": "long enough pw"}""", "username")]
    [InlineData("""{"username": "valid_name", "email": "a@example.test", "password": ["long enough pw"]}""", "password")]
    [InlineData("""{"username": "valid_name", "email": "a@example.test", "password": true}""", "password")]
    [InlineData("""{"username": "valid_name", "email": "a@example.test", "password": "long enough pw", "isAdmin": true}""", "isAdmin")]
    public async Task AValueOfTheWrongTypeOrAnUnknownFieldAnswersBadRequestNamingTheField(string body, string field)
    {
        var response = await ChatApiClient.PostRawAsync(_http, "api/auth/register", body);

        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?[field]);
    }

    [Fact]
    public async Task AFieldNameInTheWrongCaseIsAnUnknownField()
    {
        var response = await ChatApiClient.PostRawAsync(_http, "api/auth/register", """{"Username": "valid_name", "email": "a@example.test", "password": "long enough pw"}""");

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("""{"username": {"$ne": ""}, "password": {"$ne": ""}}""")]
    [InlineData("""{"email": {"$gt": ""}, "password": "whatever pw"}""")]
    [InlineData("""{"username": {"$regex": "^a"}, "password": "whatever pw"}""")]
    [InlineData("""{"username": "someone", "password": {"$exists": true}}""")]
    public async Task OperatorObjectsInALoginAnswerBadRequestAndNeverASession(string body)
    {
        await ChatApiClient.RegisterAsync(_http, "victim");

        var response = await ChatApiClient.PostRawAsync(_http, "api/auth/login", body);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ABodyOver64KiBAnswersPayloadTooLarge()
    {
        var body = $$"""{"username": "valid_name", "email": "a@example.test", "password": "{{new string('p', 64 * 1024)}}"}""";

        var response = await ChatApiClient.PostRawAsync(_http, "api/auth/register", body);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ABodyOver64KiBWithoutAContentLengthAnswersPayloadTooLarge()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "chunk");
        var json = Encoding.UTF8.GetBytes($$"""{"receiverId": "{{MessagesApiTests.UnknownId()}}", "content": "{{new string('c', 70_000)}}"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/messages")
        {
            // A stream of unknown length goes out chunked, so only the bytes read can reveal the size.
            Content = new StreamContent(new UnknownLengthStream(json)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice.AccessToken);

        var response = await _http.SendAsync(request);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    public async Task ABodyThatIsNotJsonAnswersUnsupportedMediaType(string contentType)
    {
        var response = await ChatApiClient.PostRawAsync(_http, "api/auth/login", """{"username": "someone", "password": "whatever pw"}""", contentType);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ABodyWithoutAContentTypeAnswersUnsupportedMediaType()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = new ByteArrayContent("{}"u8.ToArray()) };

        var response = await _http.SendAsync(request);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task AHandMadeTokenSignedWithTheRightKeyIsAccepted()
    {
        // The control for the tests below: each of their tokens differs from this one in one way only.
        var alice = await ChatApiClient.RegisterAsync(_http, "ctrl");

        var response = await alice.WithTokens(TestTokens.Create(alice.UserId)).GetAsync("api/users/me");

        await ChatApiClient.ReadAsync(response, HttpStatusCode.OK);
    }

    public static TheoryData<string> BadTokenKinds() =>
        ["forged", "expired", "not yet valid", "alg none", "wrong audience", "wrong issuer", "garbage", "truncated signature", "huge"];

    [Theory]
    [MemberData(nameof(BadTokenKinds))]
    public async Task AnInvalidAccessTokenAnswersUnauthorized(string kind)
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "tok");
        var now = DateTime.UtcNow;
        var token = kind switch
        {
            "forged" => TestTokens.Create(alice.UserId, signingKey: "another-key-of-enough-length-0123456789-abcdefgh"),
            // Well past the host's 30-second clock skew.
            "expired" => TestTokens.Create(alice.UserId, notBefore: now.AddMinutes(-30), expires: now.AddMinutes(-5)),
            "not yet valid" => TestTokens.Create(alice.UserId, notBefore: now.AddMinutes(5), expires: now.AddMinutes(20)),
            "alg none" => TestTokens.Unsigned(alice.UserId),
            "wrong audience" => TestTokens.Create(alice.UserId, audience: "someone-else"),
            "wrong issuer" => TestTokens.Create(alice.UserId, issuer: "evil-issuer"),
            "garbage" => "not.a.jwt",
            "truncated signature" => alice.AccessToken[..^4],
            "huge" => alice.AccessToken + new string('A', 8000),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var me = await alice.WithTokens(token).GetAsync("api/users/me");
        var send = await alice.WithTokens(token).PostAsync("api/groups", new { name = "should not exist" });

        await ChatApiClient.ReadProblemAsync(me, HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(send, HttpStatusCode.Unauthorized);
        Assert.Empty((await ChatApiClient.ReadAsync(await alice.GetAsync("api/groups"), HttpStatusCode.OK))["items"]!.AsArray());
    }

    [Theory]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln")]
    [InlineData("bm90IGpzb24.eyJzdWIiOiJ4In0.c2ln")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjEyMywiZXhwIjoic29vbiIsImF1ZCI6e30sImlzcyI6W119.c2ln")]
    [InlineData("!!!.@@@.###")]
    [InlineData("a.b.c.d.e")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJub25lIn0.e30.")]
    [InlineData("eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLy4uL2V0Yy9wYXNzd2QifQ.e30.c2ln")]
    [InlineData("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d")]
    [InlineData("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4IiwiZXhwIjoxZTQwMCwibmJmIjotOTk5OTk5OTk5OTk5OTk5OTk5OTl9.c2ln")]
    [InlineData("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImNyaXQiOlsieCJdfQ.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5OTk5OTk5OTk5OX0.c2ln")]
    public async Task AMalformedTokenAnswersUnauthorizedNeverAServerError(string token)
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "mal");

        var response = await alice.WithTokens(token).GetAsync("api/users/me");

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task AMissingOrNonBearerAuthorizationAnswersUnauthorized(string? header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/users/me");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", header);
        }

        var response = await _http.SendAsync(request);

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AValidTokenOfAnAccountThatDoesNotExistAnswersUnauthorized()
    {
        var ghost = await ChatApiClient.RegisterAsync(_http, "ghost");

        var response = await ghost.WithTokens(TestTokens.Create(MessagesApiTests.UnknownId())).GetAsync("api/users/me");

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnUnknownRouteAnswersNotFoundAsProblemJsonWithNosniff()
    {
        var response = await _http.GetAsync("api/no-such-route");

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.NotFound);
        AssertNosniff(response);
    }

    [Fact]
    public async Task EveryKindOfAnswerCarriesNosniff()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "hdr");
        var responses = new[]
        {
            await _http.GetAsync("api/health"),
            await _http.PostAsJsonAsync("api/auth/register", new { username = ChatApiClient.UniqueName("hdr"), email = $"{Guid.NewGuid():N}@example.test", password = "long enough pw" }),
            await alice.GetAsync("api/users/me"),
            await alice.PostAsync("api/auth/logout", new { refreshToken = "unknown" }),
            await _http.GetAsync("api/users/me"),
            await ChatApiClient.PostRawAsync(_http, "api/auth/login", "{", "application/json"),
            await ChatApiClient.PostRawAsync(_http, "api/auth/login", "x", "text/plain"),
            await _http.DeleteAsync("api/health"),
            await _http.GetAsync("api/openapi.json"),
        };

        Assert.All(responses, AssertNosniff);
        Assert.Equal(HttpStatusCode.NoContent, responses[3].StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, responses[7].StatusCode);
    }

    [Fact]
    public async Task AWrongMethodAnswersMethodNotAllowedAsProblemJson()
    {
        var response = await _http.DeleteAsync("api/health");

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    private static void AssertNosniff(HttpResponseMessage response) =>
        Assert.True(
            response.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.Single() == "nosniff",
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {response.StatusCode} without X-Content-Type-Options: nosniff");

    /// <summary>A readable stream that will not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
