using System.Net;
using System.Text.RegularExpressions;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>The web app cannot be framed, leaks no Referer, and runs only its own files, never inline code.</summary>
[Collection(SharedHostCollection.Name)]
public sealed partial class SecurityHeadersTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Theory]
    [InlineData("")]
    [InlineData("reset-password/?token=abc")]
    [InlineData("js/app.js")]
    [InlineData("app.css")]
    [InlineData("sw.js")]
    public async Task TheWebClientsFilesCarryAStrictPolicyAndAreNeverFramedNorReferred(string path)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Directives(Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("'self'", policy["default-src"]);
        Assert.Equal("'self'", policy["script-src"]);
        Assert.Equal("'self'", policy["style-src"]);
        Assert.StartsWith("'self'", policy["connect-src"], StringComparison.Ordinal);
        Assert.Equal("'none'", policy["object-src"]);
        Assert.Equal("'none'", policy["base-uri"]);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.DoesNotContain(policy.Values, value => value.Contains("unsafe", StringComparison.Ordinal));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Theory]
    [InlineData("api/health")]
    [InlineData("api/users/me")]
    [InlineData("api/no-such-route")]
    public async Task ApiAnswersAreNeverFramedNorReferred(string path)
    {
        using var response = await _http.GetAsync(path);

        Assert.Contains("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public void TheWebClientHasNoInlineScriptStyleOrHandler()
    {
        var root = Path.Combine(RepoPaths.Root, "functions", "ServerlessChat.Standalone", "wwwroot");
        var pages = Directory.GetFiles(root, "*.html", SearchOption.AllDirectories).Where(p => !p.Contains($"{Path.DirectorySeparatorChar}lib{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pages);
        foreach (var page in pages)
        {
            var html = File.ReadAllText(page);
            Assert.True(InlineScript().Matches(html).Count == 0, $"{page} has an inline script");
            Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
            Assert.False(InlineAttribute().IsMatch(html), $"{page} has a style attribute or an inline event handler");
        }
    }

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "", StringComparer.Ordinal);

    // A <script> element without a src attribute.
    [GeneratedRegex(@"<script(?![^>]*\ssrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"\s(style|on[a-z]+)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineAttribute();
}
