using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.ServerApi;

namespace ServerlessChat.Tests.Identity;

/// <summary>
/// The provider, a host trusting it (local accounts off, no clock skew, Entra-style admin tokens for the server
/// API from the same issuer), and a second host for key rotation alone: a refresh spent by another test there
/// would hold the next one back a minute.
/// </summary>
public sealed class ExternalIdentityHosts : IAsyncLifetime
{
    public string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public OidcProviderProcess Provider { get; private set; } = null!;
    /// <summary>The rotation host's own provider: rotating the shared one would show the main host keys it may not refresh for a minute.</summary>
    public OidcProviderProcess RotatingProvider { get; private set; } = null!;
    public StandaloneHost Host { get; private set; } = null!;
    public StandaloneHost Rotation { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var providers = await Task.WhenAll(OidcProviderProcess.StartAsync(), OidcProviderProcess.StartAsync());
        (Provider, RotatingProvider) = (providers[0], providers[1]);
        var settings = Settings(Provider);
        var main = new Dictionary<string, string?>(settings) { ["Auth__LocalAccounts"] = "false", ["Auth__ClockSkewSeconds"] = "0" };
        var hosts = await Task.WhenAll(StandaloneHost.StartAsync(main), StandaloneHost.StartAsync(Settings(RotatingProvider)));
        (Host, Rotation) = (hosts[0], hosts[1]);
    }

    private Dictionary<string, string?> Settings(OidcProviderProcess provider) => new()
        {
            ["Auth__External__Authority"] = provider.Issuer,
            ["Auth__External__Audience"] = OidcProviderProcess.Audience,
            ["Auth__External__SubjectClaim"] = "uid",
            ["Auth__External__RequireHttpsMetadata"] = "false",
            ["Admin__Entra__Authority"] = provider.Issuer,
            ["Admin__Entra__Audience"] = OidcProviderProcess.AdminAudience,
            ["Admin__Entra__RequireHttpsMetadata"] = "false",
            ["Admin__ApiKeys__0__Name"] = "backend",
            ["Admin__ApiKeys__0__Sha256"] = ServerApiHosts.Sha256(Key),
        };

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Rotation.DisposeAsync();
        await Provider.DisposeAsync();
        await RotatingProvider.DisposeAsync();
    }
}

public sealed class ExternalIdentityTests(ExternalIdentityHosts hosts) : IClassFixture<ExternalIdentityHosts>
{
    private OidcProviderProcess Provider => hosts.Provider;

    private static string NewSubject() => Guid.NewGuid().ToString("N");

    private static Task<HttpResponseMessage> SendAsync(StandaloneHost host, HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return host.Client.SendAsync(request);
    }

    private async Task<JsonNode> MeAsync(string token, StandaloneHost? host = null) =>
        await ChatApiClient.ReadAsync(await SendAsync(host ?? hosts.Host, HttpMethod.Get, "api/users/me", token), HttpStatusCode.OK);

    private async Task AssertRefusedAsync(string token)
    {
        await ChatApiClient.ReadProblemAsync(await SendAsync(hosts.Host, HttpMethod.Get, "api/users/me", token), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await SendAsync(hosts.Host, HttpMethod.Post, "api/negotiate", token), HttpStatusCode.Unauthorized);
    }

    private async Task AssertNoUserAsync(string subject)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/server/users/{subject}/sessions");
        request.Headers.Add("X-Api-Key", hosts.Key);
        await ChatApiClient.ReadProblemAsync(await hosts.Host.Client.SendAsync(request), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AFirstTokenCreatesTheUserFromItsClaimsAndLaterOnesUpdateItsDisplayName()
    {
        var subject = NewSubject();
        var local = ChatApiClient.UniqueName("ada").Replace("_", ".", StringComparison.Ordinal);
        var email = $"{local}@example.test";
        var me = await MeAsync(await Provider.TokenAsync(new { uid = subject, preferred_username = $"{local}+x!@corp.example", name = "Ada Lovelace", email, email_verified = true }));

        Assert.Equal($"{local}x", (string)me["username"]!);
        Assert.Equal("Ada Lovelace", (string)me["displayName"]!);
        Assert.Equal(email, (string)me["email"]!);

        var again = await MeAsync(await Provider.TokenAsync(new { uid = subject, preferred_username = "someone.else", name = "Ada King" }));
        Assert.Equal((string)me["id"]!, (string)again["id"]!);
        Assert.Equal("Ada King", (string)again["displayName"]!);
        Assert.Equal($"{local}x", (string)again["username"]!);
    }

    [Fact]
    public async Task ATakenUsernameGetsASuffixAndAnUnverifiedOrTakenEmailIsLeftOut()
    {
        var name = ChatApiClient.UniqueName("grace");
        var email = $"{name}@example.test";
        var first = await MeAsync(await Provider.TokenAsync(new { uid = NewSubject(), preferred_username = name, email, email_verified = true }));
        var second = await MeAsync(await Provider.TokenAsync(new { uid = NewSubject(), preferred_username = name, email, email_verified = true }));
        var third = await MeAsync(await Provider.TokenAsync(new { uid = NewSubject(), preferred_username = name, email = $"x{email}", email_verified = false }));

        Assert.Equal(name, (string)first["username"]!);
        Assert.Equal($"{name}2", (string)second["username"]!);
        Assert.Equal($"{name}3", (string)third["username"]!);
        Assert.Equal(email, (string)first["email"]!);
        Assert.Null(second["email"]);
        Assert.Null(third["email"]);
    }

    [Fact]
    public async Task ABurstOfFirstRequestsOfOneNewExternalUserCreatesExactlyOneUser()
    {
        for (var round = 0; round < 10; round++)
        {
            var subject = NewSubject();
            var token = await Provider.TokenAsync(new { uid = subject, preferred_username = ChatApiClient.UniqueName("burst") });

            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => MeAsync(token)));

            Assert.Single(answers.Select(a => (string)a["id"]!).Distinct());
        }
    }

    [Fact]
    public async Task RS256AndES256TokensAreBothAcceptedOnTheApiAndOnNegotiateWhichAnswersOurOwnHubToken()
    {
        var subject = NewSubject();
        var rs = await Provider.TokenAsync(new { uid = subject, preferred_username = ChatApiClient.UniqueName("rs"), alg = "RS256" });
        var es = await Provider.TokenAsync(new { uid = subject, alg = "ES256" });
        Assert.Equal("ES256", new JwtSecurityTokenHandler().ReadJwtToken(es).Header.Alg);

        Assert.Equal((string)(await MeAsync(rs))["id"]!, (string)(await MeAsync(es))["id"]!);
        var negotiate = await ChatApiClient.ReadAsync(await SendAsync(hosts.Host, HttpMethod.Post, "api/negotiate", es), HttpStatusCode.OK);
        var hubToken = new JwtSecurityTokenHandler().ReadJwtToken((string)negotiate["accessToken"]!);
        Assert.NotEqual(Provider.Issuer, hubToken.Issuer);
    }

    [Fact]
    public async Task TokensOfAnotherAudienceAnotherIssuerAnUnpublishedKeyOrMalformedGet401AndCreateNoUser()
    {
        var (wrongAudience, wrongIssuer, unpublished) = (NewSubject(), NewSubject(), NewSubject());

        await AssertRefusedAsync(await Provider.TokenAsync(new { uid = wrongAudience, resource = "urn:someone-else" }));
        await AssertRefusedAsync(await Provider.TokenAsync(new { uid = wrongIssuer }, Provider.Impostor));
        await AssertRefusedAsync(await Provider.TokenAsync(new { uid = unpublished }, Provider.Rogue));
        await AssertRefusedAsync("not.a.token");
        await AssertRefusedAsync(await Provider.TokenAsync(new { uid = NewSubject(), alg = "RS256" }) + "x");

        await AssertNoUserAsync(wrongAudience);
        await AssertNoUserAsync(wrongIssuer);
        await AssertNoUserAsync(unpublished);
    }

    [Fact]
    public async Task AnExpiredTokenGets401()
    {
        var token = await Provider.TokenAsync(new { uid = NewSubject(), ttl = 3 });
        await MeAsync(token);

        // Await the expiry (the host allows no clock skew), asking until the answer turns.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        HttpResponseMessage response;
        do
        {
            response = await SendAsync(hosts.Host, HttpMethod.Get, "api/users/me", token);
        }
        while (response.StatusCode == HttpStatusCode.OK && !timeout.IsCancellationRequested && await Task.Delay(200, CancellationToken.None).ContinueWith(_ => true));

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ARotatedSigningKeyIsPickedUpOnItsFirstToken()
    {
        var subject = NewSubject();
        var before = await hosts.RotatingProvider.TokenAsync(new { uid = subject, preferred_username = ChatApiClient.UniqueName("rot") });
        var id = (string)(await MeAsync(before, hosts.Rotation))["id"]!;

        await hosts.RotatingProvider.RotateAsync();
        var after = await hosts.RotatingProvider.TokenAsync(new { uid = subject });
        Assert.NotEqual(new JwtSecurityTokenHandler().ReadJwtToken(before).Header.Kid, new JwtSecurityTokenHandler().ReadJwtToken(after).Header.Kid);

        Assert.Equal(id, (string)(await MeAsync(after, hosts.Rotation))["id"]!);
        Assert.Equal(id, (string)(await MeAsync(before, hosts.Rotation))["id"]!);
    }

    [Fact]
    public async Task WithLocalAccountsOffRegisterLoginAndPasswordRoutesAre404AndRefreshStays()
    {
        var http = hosts.Host.Client;
        var name = ChatApiClient.UniqueName("loc");
        await ChatApiClient.ReadProblemAsync(await http.PostAsJsonAsync("api/auth/register", new { username = name, email = $"{name}@example.test", password = "correct horse battery" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await http.PostAsJsonAsync("api/auth/login", new { username = name, password = "correct horse battery" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await http.PostAsJsonAsync("api/auth/password-reset", new { email = $"{name}@example.test" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await http.PostAsJsonAsync("api/auth/password-reset/confirm", new { token = "x", newPassword = "correct horse battery" }), HttpStatusCode.NotFound);
        var token = await Provider.TokenAsync(new { uid = NewSubject() });
        await ChatApiClient.ReadProblemAsync(await SendAsync(hosts.Host, HttpMethod.Post, "api/auth/password", token, new { currentPassword = "a", newPassword = "correct horse battery" }), HttpStatusCode.NotFound);

        await ChatApiClient.ReadProblemAsync(await http.PostAsJsonAsync("api/auth/refresh", new { refreshToken = "unknown" }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheServerApiTakesAnAppOnlyTokenWithChatAdminAndNothingLess()
    {
        var externalId = NewSubject();
        var body = new { username = ChatApiClient.UniqueName("entra") };
        var admin = await Provider.TokenAsync(new { resource = OidcProviderProcess.AdminAudience, idtyp = "app", roles = new[] { "Chat.Admin" }, azp = "backend-app" });
        var noRole = await Provider.TokenAsync(new { resource = OidcProviderProcess.AdminAudience, idtyp = "app", roles = new[] { "Chat.Reader" }, azp = "backend-app" });
        var delegated = await Provider.TokenAsync(new { resource = OidcProviderProcess.AdminAudience, roles = new[] { "Chat.Admin" }, azp = "backend-app" });
        var userToken = await Provider.TokenAsync(new { uid = NewSubject(), idtyp = "app", roles = new[] { "Chat.Admin" } });

        foreach (var refused in new[] { noRole, delegated, userToken })
        {
            await ChatApiClient.ReadProblemAsync(await SendAsync(hosts.Host, HttpMethod.Put, $"api/server/users/{externalId}", refused, body), HttpStatusCode.Unauthorized);
        }
        await AssertNoUserAsync(externalId);

        var created = await ChatApiClient.ReadAsync(await SendAsync(hosts.Host, HttpMethod.Put, $"api/server/users/{externalId}", admin, body), HttpStatusCode.Created);
        Assert.Equal(body.username, (string)created["username"]!);
        Assert.DoesNotContain(admin, hosts.Host.Output, StringComparison.Ordinal);
    }
}
