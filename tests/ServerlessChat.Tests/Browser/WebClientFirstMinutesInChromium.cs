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

    [Fact]
    public async Task AFileIsACardWithItsTypeAndSizeAndThePhotoViewerDownloadsTheOriginal()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "The report and the board follow" });
        var alicePage = await SignInAsync(alice);
        var bobPage = await SignInAsync(bob);
        await OpenConversationAsync(alicePage, bob.Username);
        await OpenConversationAsync(bobPage, alice.Username);

        var pdf = Attachments.TestFiles.Pdf();
        await alicePage.Locator("#file-input").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "Q3 report.pdf", MimeType = "application/pdf", Buffer = pdf },
            new FilePayload { Name = "board.png", MimeType = "image/png", Buffer = Png(600, 400) },
        });
        await Expect(alicePage.GetByTestId("upload").Locator("progress")).ToHaveCountAsync(2);
        foreach (var bar in await alicePage.GetByTestId("upload").Locator("progress").AllAsync())
        {
            await Expect(bar).ToHaveJSPropertyAsync("value", 1);
        }
        await alicePage.GetByLabel("Message", Exact).PressAsync("Enter");

        // The PDF: a red "PDF" icon, its name, "PDF document" and its size, the whole card a named download.
        var message = bobPage.GetByTestId("message").Last;
        // Once the photo's thumbnail is in (its messageUpdated re-renders the message), the card stays put.
        await Expect(message.GetByTestId("attachment-image").Locator("img")).ToHaveJSPropertyAsync("naturalWidth", 320);
        var card = message.GetByTestId("attachment-file");
        await Expect(card.GetByTestId("file-icon")).ToHaveTextAsync("PDF");
        await Expect(card.GetByTestId("file-icon")).ToHaveCSSAsync("background-color", "rgb(217, 45, 32)");
        await Expect(card.Locator(".file-name")).ToHaveTextAsync("Q3 report.pdf");
        await Expect(card.Locator(".file-size")).ToHaveTextAsync($"PDF document · {pdf.Length} B");
        var size = await card.EvaluateAsync<double[]>("(e) => [e.getBoundingClientRect().width, e.getBoundingClientRect().height]");
        Assert.True(size[0] >= 150 && size[1] < 80, $"the card is {size[0]}x{size[1]}");
        var fileDownload = await bobPage.RunAndWaitForDownloadAsync(() => card.ClickAsync());
        Assert.Equal("Q3 report.pdf", fileDownload.SuggestedFilename);

        await SaveScreenshotAsync(bobPage, "desktop-file-card.png");

        // The photo opens in the viewer, whose Download saves the original under its name.
        await message.GetByTestId("attachment-image").ClickAsync();
        var viewer = bobPage.Locator("#image-dialog");
        var download = viewer.GetByRole(AriaRole.Link, new() { Name = "Download board.png" });
        await Expect(download).ToBeVisibleAsync();
        var saved = await bobPage.RunAndWaitForDownloadAsync(() => download.ClickAsync());
        Assert.Equal("board.png", saved.SuggestedFilename);
        Assert.True(new FileInfo((await saved.PathAsync())!).Length > 0);
    }

    [Fact]
    public async Task MessageActionsShowOnHoverOrFocusOneButtonOpensThePickerAndTheKeyboardReachesTheComposerAndTheLastEdit()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        for (var i = 1; i <= 3; i++)
        {
            await bob.SendMessageAsync(new { receiverId = alice.UserId, content = $"question {i}" });
        }
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "my first answr" });
        var page = await SignInAsync(alice);
        await OpenConversationAsync(page, bob.Username);
        var messages = page.GetByTestId("message");
        await Expect(messages).ToHaveCountAsync(4);

        // Nothing under a message until the pointer is on it; then React and Reply (and Edit, Delete on one's own).
        var first = messages.First;
        var actions = first.Locator(".message-actions");
        await page.Mouse.MoveAsync(1, 1);
        await Expect(actions).ToHaveCSSAsync("opacity", "0");
        await Expect(first.GetByRole(AriaRole.Button, new() { Name = "React with 👍" })).ToBeHiddenAsync();
        await first.HoverAsync();
        await Expect(actions).ToHaveCSSAsync("opacity", "1");

        // One "Add reaction" opens the six emoji; Esc closes them and gives the focus back; a pick reacts.
        var add = first.GetByRole(AriaRole.Button, new() { Name = "Add reaction" });
        await add.ClickAsync();
        await Expect(add).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(first.Locator(".reaction-pick")).ToHaveCountAsync(6);
        await Expect(first.GetByRole(AriaRole.Button, new() { Name = "React with 👍" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(first.GetByRole(AriaRole.Button, new() { Name = "React with 👍" })).ToBeHiddenAsync();
        await Expect(add).ToBeFocusedAsync();
        await Expect(actions).ToHaveCSSAsync("opacity", "1");
        await add.ClickAsync();
        await first.GetByRole(AriaRole.Button, new() { Name = "React with 🎉" }).ClickAsync();
        await Expect(first.GetByTestId("reaction")).ToHaveTextAsync("🎉 1");

        // The skip link at the top of the conversation leads to the message box; arrow up there edits the last own message.
        await page.Mouse.MoveAsync(1, 1);
        await page.Locator("#skip-to-composer").FocusAsync();
        await Expect(page.Locator("#skip-to-composer")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Enter");
        var input = page.GetByLabel("Message", Exact);
        await Expect(input).ToBeFocusedAsync();
        await input.PressAsync("ArrowUp");
        var edit = page.Locator("#edit-dialog");
        await Expect(edit.Locator("textarea")).ToHaveValueAsync("my first answr");
        await edit.Locator("textarea").FillAsync("my first answer");
        await edit.Locator("textarea").PressAsync("Enter");
        await Expect(messages.Last.Locator(".content")).ToHaveTextAsync("my first answer");
        await Expect(messages.Last.GetByTestId("edited")).ToBeVisibleAsync();

        // With text in the box, arrow up is the caret's, not an edit.
        await input.FillAsync("draft");
        await input.PressAsync("ArrowUp");
        await Expect(edit).Not.ToBeVisibleAsync();
        await Expect(input).ToHaveValueAsync("draft");
    }
}
