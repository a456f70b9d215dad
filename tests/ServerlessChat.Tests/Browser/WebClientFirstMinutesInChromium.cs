using System.Net;
using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>What a newcomer meets in the first minutes (issue 28): a favicon, unread counts in the tab title,
/// the password rules before a submit, and the open conversation kept across a reload.</summary>
public sealed partial class WebClientInChromium
{
    [Fact]
    public async Task TheFaviconIsServedUnderThePolicyAndThePageLoadsWithNoFailedRequest()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        using (var ico = await Host.Client.GetAsync("favicon.ico"))
        {
            Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
            Assert.Equal("image/x-icon", ico.Content.Headers.ContentType?.MediaType);
        }

        await using var context = await fixture.Browser!.NewContextAsync();
        var page = await context.NewPageAsync();
        var failed = new List<string>();
        page.RequestFailed += (_, request) => { lock (failed) { failed.Add($"{request.Url} {request.Failure}"); } };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (failed) { failed.Add($"{response.Url} {response.Status}"); }
            }
        };
        await page.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
            """);
        await page.GotoAsync(Host.BaseAddress.ToString());
        await Expect(page.Locator("#signin-form")).ToBeVisibleAsync();

        // Every icon the page names loads as an image under its Content-Security-Policy (img-src 'self').
        var icons = await page.EvaluateAsync<string[]>("""
            () => Promise.all([...document.querySelectorAll("link[rel=icon]")].map((link) => new Promise((resolve) => {
              const image = new Image();
              image.onload = () => resolve(image.naturalWidth > 0 ? "loaded" : "empty " + link.href);
              image.onerror = () => resolve("failed " + link.href);
              image.src = link.href;
            })))
            """);
        Assert.Equal(["loaded", "loaded"], icons);
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__cspViolations"));
        lock (failed)
        {
            Assert.Empty(failed);
        }
    }
}
