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

    [Fact]
    public async Task TheTabTitleCountsUnreadMessagesAsTheyArriveAndDropsThemWhenRead()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        var carol = await ChatApiClient.RegisterAsync(Host.Client, "carol");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "first from alice" });
        await carol.SendMessageAsync(new { receiverId = bob.UserId, content = "hello from carol" });
        var alicePage = await SignInAsync(alice);
        var bobPage = await SignInAsync(bob);

        await Expect(bobPage).ToHaveTitleAsync("(2) ServerlessChat");
        // Bob reads Carol's conversation and keeps it open: only Alice's message is left unread.
        await OpenConversationAsync(bobPage, carol.Username);
        await Expect(bobPage).ToHaveTitleAsync("(1) ServerlessChat");

        // Alice writes twice; Bob's title counts them live while he looks at another conversation.
        await OpenConversationAsync(alicePage, bob.Username);
        var input = alicePage.GetByLabel("Message", Exact);
        await input.FillAsync("are you there?");
        await input.PressAsync("Enter");
        await Expect(bobPage).ToHaveTitleAsync("(2) ServerlessChat");
        await input.FillAsync("ping again");
        await input.PressAsync("Enter");
        await Expect(bobPage).ToHaveTitleAsync("(3) ServerlessChat");

        // Opening Alice's conversation reads them all; the title is the app's name again.
        await OpenConversationAsync(bobPage, alice.Username);
        await Expect(bobPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("ping again");
        await Expect(bobPage).ToHaveTitleAsync("ServerlessChat");
        // What Bob has open counts nothing: a message to it arrives read.
        await input.FillAsync("seen at once");
        await input.PressAsync("Enter");
        await Expect(bobPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("seen at once");
        await Expect(bobPage).ToHaveTitleAsync("ServerlessChat");
    }

    [Fact]
    public async Task TheRegisterFormShowsThePasswordRulesBeforeAnySubmit()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        await using var context = await fixture.Browser!.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(Host.BaseAddress.ToString());
        var form = page.Locator("#signup-form");
        var password = form.GetByLabel("Password");
        // The rule Core's InputRules.Password enforces, in its own words, tied to the field for screen readers.
        await Expect(form.Locator("#password-rules")).ToBeVisibleAsync();
        await Expect(form.Locator("#password-rules")).ToHaveTextAsync("Use 8 to 128 characters.");
        await Expect(password).ToHaveAccessibleDescriptionAsync("Use 8 to 128 characters.");
        await Expect(form.Locator(".form-error")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TheOpenConversationIsKeptInTheAddressAcrossAReloadAndBackAndForward()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        var carol = await ChatApiClient.RegisterAsync(Host.Client, "carol");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "alice was here" });
        await carol.SendMessageAsync(new { receiverId = bob.UserId, content = "carol was here" });
        var page = await SignInAsync(bob);

        await OpenConversationAsync(page, alice.Username);
        Assert.Contains("#/c/", page.Url, StringComparison.Ordinal);
        await page.ReloadAsync();
        await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + bob.Username);
        await Expect(page.Locator("#conversation-title")).ToHaveTextAsync(alice.Username);
        await Expect(page.Locator("#messages")).ToContainTextAsync("alice was here");

        // Back and forward move between the conversations opened, without leaving the page.
        await OpenConversationAsync(page, carol.Username);
        await page.GoBackAsync();
        await Expect(page.Locator("#conversation-title")).ToHaveTextAsync(alice.Username);
        await Expect(page.Locator("#messages")).ToContainTextAsync("alice was here");
        await page.GoForwardAsync();
        await Expect(page.Locator("#conversation-title")).ToHaveTextAsync(carol.Username);
        await Expect(page.Locator("#messages")).ToContainTextAsync("carol was here");

        // Signing out forgets it: the next person signing in on this page starts with nothing open.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("#signin-form")).ToBeVisibleAsync();
        Assert.DoesNotContain("#/c/", page.Url, StringComparison.Ordinal);
    }
}
