using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class AuthApiTests(SharedHostFixture fixture)
{
    private const string Password = "correct horse battery";
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task RegisterAnswersCreatedWithASessionWhoseUserHasOwnEmailAndDefaultDisplayName()
    {
        var username = ChatApiClient.UniqueName("reg");
        var response = await _http.PostAsJsonAsync("api/auth/register", new { username, email = $"{username}@Example.test", password = Password });

        var session = await ChatApiClient.ReadAsync(response, HttpStatusCode.Created);
        var user = session["user"]!;
        Assert.Matches("^[0-9a-f]{24}$", (string)user["id"]!);
        Assert.Equal(username, (string)user["username"]!);
        Assert.Equal(username, (string)user["displayName"]!);
        Assert.Equal($"{username}@Example.test", (string)user["email"]!);
        Assert.NotNull(user["createdAt"]);
        Assert.NotNull(user["updatedAt"]);
        Assert.False(string.IsNullOrEmpty((string?)session["accessToken"]));
        Assert.False(string.IsNullOrEmpty((string?)session["refreshToken"]));
        Assert.Equal(15 * 60, (int)session["expiresIn"]!);
        Assert.Null(user["passwordHash"]);
    }

    [Fact]
    public async Task RegisterKeepsAGivenDisplayName()
    {
        var username = ChatApiClient.UniqueName("dn");
        var response = await _http.PostAsJsonAsync("api/auth/register", new { username, email = $"{username}@example.test", password = Password, displayName = "  Zoë Display  " });

        var session = await ChatApiClient.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal("Zoë Display", (string)session["user"]!["displayName"]!);
    }

    [Fact]
    public async Task RegisterRefusesATakenUsernameIgnoringCase()
    {
        var existing = await ChatApiClient.RegisterAsync(_http, "taken");
        var response = await _http.PostAsJsonAsync("api/auth/register", new
        {
            username = existing.Username.ToUpperInvariant(),
            email = $"other_{Guid.NewGuid():N}@example.test",
            password = Password,
        });

        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Conflict);
        Assert.NotNull(problem["errors"]!["username"]);
    }

    [Fact]
    public async Task RegisterRefusesATakenEmailIgnoringCase()
    {
        var existing = await ChatApiClient.RegisterAsync(_http, "mail");
        var response = await _http.PostAsJsonAsync("api/auth/register", new
        {
            username = ChatApiClient.UniqueName("mail2"),
            email = existing.Email.ToUpperInvariant(),
            password = Password,
        });

        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Conflict);
        Assert.NotNull(problem["errors"]!["email"]);
    }

    public static TheoryData<string, string, string, string?, string> InvalidRegistrations()
    {
        var longName = new string('a', 33);
        return new()
        {
            { "ab", "ok@example.test", Password, null, "username" },
            { longName, "ok@example.test", Password, null, "username" },
            { "has space", "ok@example.test", Password, null, "username" },
            { "bad$name", "ok@example.test", Password, null, "username" },
            { "", "ok@example.test", Password, null, "username" },
            { "GOODNAME", "not-an-email", Password, null, "email" },
            { "GOODNAME", "two@@example.test", Password, null, "email" },
            { "GOODNAME", "paren(thesis@example.test", Password, null, "email" },
            { "GOODNAME", "comma,list@example.test", Password, null, "email" },
            { "GOODNAME", "<angle>@example.test", Password, null, "email" },
            { "GOODNAME", "quote\"d@example.test", Password, null, "email" },
            { "GOODNAME", "semi;colon@example.test", Password, null, "email" },
            { "GOODNAME", "ok@example.test", "short", null, "password" },
            { "GOODNAME", "ok@example.test", new string('p', 129), null, "password" },
            { "GOODNAME", "ok@example.test", Password, "", "displayName" },
            { "GOODNAME", "ok@example.test", Password, new string('d', 65), "displayName" },
            { "GOODNAME", "ok@example.test", Password, "bell\u0007", "displayName" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task RegisterRefusesEachBrokenRuleWithAnErrorNamingTheField(string username, string email, string password, string? displayName, string field)
    {
        // A unique valid username where the case is not about the username, so no conflict can interfere.
        if (username == "GOODNAME")
        {
            username = ChatApiClient.UniqueName("ok");
        }

        var response = await _http.PostAsJsonAsync("api/auth/register", new { username, email, password, displayName });

        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task RegisterNamesEveryMissingField()
    {
        var response = await _http.PostAsJsonAsync("api/auth/register", new { });

        var errors = (await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!;
        Assert.NotNull(errors["username"]);
        Assert.NotNull(errors["email"]);
        Assert.NotNull(errors["password"]);
    }

    [Fact]
    public async Task LoginWorksByUsernameAndByEmailIgnoringCase()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "login");

        var byUsername = await ChatApiClient.LoginAsync(_http, new { username = user.Username, password = Password });
        var byEmail = await ChatApiClient.LoginAsync(_http, new { email = user.Email.ToUpperInvariant(), password = Password });

        Assert.Equal(user.UserId, (string)byUsername["user"]!["id"]!);
        Assert.Equal(user.UserId, (string)byEmail["user"]!["id"]!);
        Assert.Equal(user.Email, (string)byEmail["user"]!["email"]!);
        Assert.NotEqual((string)byUsername["refreshToken"]!, (string)byEmail["refreshToken"]!);
    }

    [Fact]
    public async Task LoginGivesTheSameAnswerForAnUnknownUserAsForAWrongPassword()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "wrong");

        var wrongPassword = await ChatApiClient.LoginAsync(_http, new { username = user.Username, password = "not the password" }, HttpStatusCode.Unauthorized);
        var unknownUser = await ChatApiClient.LoginAsync(_http, new { username = ChatApiClient.UniqueName("nobody"), password = "not the password" }, HttpStatusCode.Unauthorized);
        var unknownEmail = await ChatApiClient.LoginAsync(_http, new { email = "nobody@example.test", password = Password }, HttpStatusCode.Unauthorized);

        Assert.Equal((string)wrongPassword["title"]!, (string)unknownUser["title"]!);
        Assert.Equal((string)wrongPassword["detail"]!, (string)unknownUser["detail"]!);
        Assert.Equal((string)wrongPassword["detail"]!, (string)unknownEmail["detail"]!);
        Assert.Null(wrongPassword["errors"]);
    }

    [Fact]
    public async Task LoginNeedsExactlyOneOfEmailAndUsername()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "both");

        var both = await _http.PostAsJsonAsync("api/auth/login", new { username = user.Username, email = user.Email, password = Password });
        var neither = await _http.PostAsJsonAsync("api/auth/login", new { password = Password });

        await ChatApiClient.ReadProblemAsync(both, HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(neither, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RefreshRotatesTheTokenSoTheOldOneStopsWorking()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "rot");

        var next = await RefreshAsync(user.RefreshToken, HttpStatusCode.OK);
        Assert.NotEqual(user.RefreshToken, (string)next["refreshToken"]!);
        Assert.Equal(user.UserId, (string)next["user"]!["id"]!);

        var me = await user.WithTokens((string)next["accessToken"]!).GetAsync("api/users/me");
        await ChatApiClient.ReadAsync(me, HttpStatusCode.OK);
        await RefreshAsync(user.RefreshToken, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PresentingAUsedRefreshTokenRevokesTheWholeChain()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "chain");
        var second = (string)(await RefreshAsync(user.RefreshToken, HttpStatusCode.OK))["refreshToken"]!;
        var third = (string)(await RefreshAsync(second, HttpStatusCode.OK))["refreshToken"]!;

        // The first token again: someone copied it. Everything issued from it must stop working.
        await RefreshAsync(user.RefreshToken, HttpStatusCode.Unauthorized);

        await RefreshAsync(third, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokingOneChainLeavesOtherLoginsWorking()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "other");
        var otherLogin = (string)(await ChatApiClient.LoginAsync(_http, new { username = user.Username, password = Password }))["refreshToken"]!;
        await RefreshAsync(user.RefreshToken, HttpStatusCode.OK);
        await RefreshAsync(user.RefreshToken, HttpStatusCode.Unauthorized);

        await RefreshAsync(otherLogin, HttpStatusCode.OK);
    }

    [Fact]
    public async Task RefreshRefusesAnUnknownTokenAndAMissingOne()
    {
        await RefreshAsync("not-a-token-we-issued", HttpStatusCode.Unauthorized);

        var missing = await _http.PostAsJsonAsync("api/auth/refresh", new { });
        var problem = await ChatApiClient.ReadProblemAsync(missing, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["refreshToken"]);
    }

    [Fact]
    public async Task LogoutAnswersNoContentAndTheRefreshTokenStopsWorking()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "out");

        var response = await user.PostAsync("api/auth/logout", new { refreshToken = user.RefreshToken });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await RefreshAsync(user.RefreshToken, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task LogoutCannotEndAnotherUsersSession()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var mallory = await ChatApiClient.RegisterAsync(_http, "mallory");

        var response = await mallory.PostAsync("api/auth/logout", new { refreshToken = alice.RefreshToken });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await RefreshAsync(alice.RefreshToken, HttpStatusCode.OK);
    }

    [Fact]
    public async Task PasswordResetAnswersAcceptedForUnknownAndKnownEmails()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "rst");

        var unknown = await _http.PostAsJsonAsync("api/auth/password-reset", new { email = $"nobody_{Guid.NewGuid():N}@example.test" });
        var known = await _http.PostAsJsonAsync("api/auth/password-reset", new { email = user.Email });

        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(unknown.Content.Headers.ContentLength ?? 0, known.Content.Headers.ContentLength ?? 0);
    }

    [Theory]
    [InlineData("o'brien+chat")]
    [InlineData("first.last")]
    [InlineData("x#y=z")]
    public async Task EveryEmailThatRegistrationAcceptsCanReceiveAResetEmail(string localPart)
    {
        var username = ChatApiClient.UniqueName("addr");
        var email = $"{localPart}.{username}@example.test";
        await ChatApiClient.ReadAsync(await _http.PostAsJsonAsync("api/auth/register", new { username, email, password = Password }), HttpStatusCode.Created);

        var requested = await _http.PostAsJsonAsync("api/auth/password-reset", new { email });

        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        Assert.False(string.IsNullOrEmpty(await ReadResetTokenAsync(email)));
    }

    [Fact]
    public async Task PasswordResetLinkSetsANewPasswordOnceAndRevokesEveryRefreshToken()
    {
        var user = await ChatApiClient.RegisterAsync(_http, "reset");
        var otherLogin = (string)(await ChatApiClient.LoginAsync(_http, new { email = user.Email, password = Password }))["refreshToken"]!;

        var requested = await _http.PostAsJsonAsync("api/auth/password-reset", new { email = user.Email });
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var token = await ReadResetTokenAsync(user.Email);

        const string newPassword = "a brand new passphrase";
        var confirmed = await _http.PostAsJsonAsync("api/auth/password-reset/confirm", new { token, newPassword });
        Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);

        await ChatApiClient.LoginAsync(_http, new { username = user.Username, password = Password }, HttpStatusCode.Unauthorized);
        await ChatApiClient.LoginAsync(_http, new { username = user.Username, password = newPassword });
        await RefreshAsync(user.RefreshToken, HttpStatusCode.Unauthorized);
        await RefreshAsync(otherLogin, HttpStatusCode.Unauthorized);

        var again = await _http.PostAsJsonAsync("api/auth/password-reset/confirm", new { token, newPassword = "yet another passphrase" });
        var problem = await ChatApiClient.ReadProblemAsync(again, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["token"]);
    }

    [Fact]
    public async Task PasswordResetConfirmRefusesAnUnknownTokenAndAShortPassword()
    {
        var unknown = await _http.PostAsJsonAsync("api/auth/password-reset/confirm", new { token = "made-up-token", newPassword = "long enough password" });
        var shortPassword = await _http.PostAsJsonAsync("api/auth/password-reset/confirm", new { token = "made-up-token", newPassword = "short" });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(unknown, HttpStatusCode.BadRequest))["errors"]!["token"]);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(shortPassword, HttpStatusCode.BadRequest))["errors"]!["newPassword"]);
    }

    private async Task<JsonNode> RefreshAsync(string refreshToken, HttpStatusCode expected)
    {
        var response = await _http.PostAsJsonAsync("api/auth/refresh", new { refreshToken });
        return expected == HttpStatusCode.OK
            ? await ChatApiClient.ReadAsync(response, expected)
            : await ChatApiClient.ReadProblemAsync(response, expected);
    }

    /// <summary>The token of the reset link in the .eml the host wrote for this address; the link must start with the configured base.</summary>
    private Task<string> ReadResetTokenAsync(string email) => ResetMailbox.WaitForTokenAsync(fixture.Host.MailDirectory, email);
}
