using System.Security.Cryptography;
using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>
/// The web client of the standalone host, driven in Debian's Chromium: the page, the official SignalR browser
/// client through our negotiate redirect, and the API together, as two people would use them.
/// </summary>
public sealed class TwoUsersChatInChromium(ITestOutputHelper output)
{
    static TwoUsersChatInChromium() =>
        // Generous for a shared 2-core machine; each assertion still returns as soon as the page gets there.
        SetDefaultExpectTimeout(15_000);

    [Fact]
    public async Task TwoUsersSignUpFindEachOtherAndChatLive()
    {
        if (!ChromiumAvailable())
        {
            return;
        }

        await using var host = await StandaloneHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var suffix = RandomNumberGenerator.GetHexString(8, lowercase: true);
        var aliceName = $"alice_{suffix}";
        var bobName = $"bob_{suffix}";

        var alice = await SignUpAsync(browser, host, aliceName, "Alice");
        var bob = await SignUpAsync(browser, host, bobName, "Bob");

        // Alice finds Bob and opens a conversation that has no message yet.
        await alice.GetByLabel("Find people").FillAsync(bobName);
        await alice.GetByTestId("search-result").Filter(new() { HasText = "@" + bobName }).ClickAsync();
        await Expect(alice.Locator("#conversation-title")).ToHaveTextAsync("Bob");

        // Content is stored verbatim; the page must show markup as text, not render it.
        const string first = "Hi Bob, this is <b>html</b> & <img src=x onerror=alert(1)>";
        await alice.GetByLabel("Message", new() { Exact = true }).FillAsync(first);
        await alice.GetByLabel("Message", new() { Exact = true }).PressAsync("Enter");
        var aliceLast = alice.GetByTestId("message").Last;
        await Expect(aliceLast.Locator(".content")).ToHaveTextAsync(first);
        await Expect(aliceLast.GetByTestId("message-status")).ToHaveTextAsync("sent");

        // Bob's list learns of the conversation live, with one unread message, without a reload.
        var bobConversation = bob.GetByTestId("conversation").Filter(new() { HasText = "Alice" });
        await Expect(bobConversation.Locator(".badge")).ToHaveTextAsync("1");
        await bobConversation.ClickAsync();
        var bobLast = bob.GetByTestId("message").Last;
        await Expect(bobLast.Locator(".content")).ToHaveTextAsync(first);
        await Expect(bob.Locator("#messages b")).ToHaveCountAsync(0);
        await Expect(bob.Locator("#messages img")).ToHaveCountAsync(0);
        await Expect(bobConversation.Locator(".badge")).ToHaveCountAsync(0);

        // Bob viewing it marks it read, and Alice hears of that (messagesRead).
        await Expect(aliceLast.GetByTestId("message-status")).ToHaveTextAsync("read");
        // Alice took part in the conversation, so Bob sees her online (GET /api/presence after the conversation
        // appeared); Bob has not written yet, so his presence is not Alice's to see.
        await Expect(bob.Locator("#peer-presence")).ToHaveAttributeAsync("data-online", "true");

        // Alice sees Bob typing before he sends.
        const string reply = "Hello Alice, got it: <i>not italic</i>";
        var bobInput = bob.GetByLabel("Message", new() { Exact = true });
        await bobInput.PressSequentiallyAsync(reply);
        await Expect(alice.Locator("#typing-indicator")).ToHaveTextAsync("Bob is typing…");
        await bobInput.PressAsync("Enter");

        // The reply arrives live, ends the typing indicator, and Alice (viewing) reads it.
        await Expect(aliceLast.Locator(".content")).ToHaveTextAsync(reply);
        await Expect(alice.Locator("#typing-indicator")).ToHaveTextAsync("");
        await Expect(alice.Locator("#messages i")).ToHaveCountAsync(0);
        await Expect(bobLast.GetByTestId("message-status")).ToHaveTextAsync("read");
        await Expect(alice.GetByTestId("message")).ToHaveCountAsync(2);
        await Expect(bob.GetByTestId("message")).ToHaveCountAsync(2);
        await Expect(alice.GetByTestId("conversation").Filter(new() { HasText = "Bob" })).ToContainTextAsync(reply);

        // A reload with an access token the API refuses: the page rotates its refresh token and carries on live.
        await alice.EvaluateAsync("""
            () => {
              const kept = JSON.parse(localStorage.getItem("serverlesschat.session"));
              kept.session.accessToken = "no.longer.valid";
              localStorage.setItem("serverlesschat.session", JSON.stringify(kept));
            }
            """);
        await alice.ReloadAsync();
        await Expect(alice.GetByTestId("me")).ToHaveTextAsync($"Alice (@{aliceName})");
        await Expect(alice.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
        await alice.GetByTestId("conversation").Filter(new() { HasText = "Bob" }).ClickAsync();
        await Expect(alice.GetByTestId("message")).ToHaveCountAsync(2);
        const string afterReload = "Still here after the reload";
        await bobInput.FillAsync(afterReload);
        await bobInput.PressAsync("Enter");
        await Expect(aliceLast.Locator(".content")).ToHaveTextAsync(afterReload);

        var screenshot = Path.Combine(Path.GetTempPath(), $"serverlesschat-browser-{suffix}.png");
        await alice.ScreenshotAsync(new() { Path = screenshot });
        output.WriteLine($"Screenshot: {screenshot}");
    }

    [Fact]
    public async Task ResetPasswordPageSendsTheTokenFromTheEmailLink()
    {
        if (!ChromiumAvailable())
        {
            return;
        }

        await using var host = await StandaloneHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();

        // The email links to /reset-password?token=... without a trailing slash; the default-files redirect keeps the query.
        await page.GotoAsync(new Uri(host.BaseAddress, "reset-password?token=not-a-real-token").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose a new password" })).ToBeVisibleAsync();
        await page.GetByLabel("New password").FillAsync("correct horse battery");
        await page.GetByLabel("Repeat it").FillAsync("correct horse battery");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown, expired or already used");
    }

    private bool ChromiumAvailable() => Chromium.Available(output);

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => Chromium.LaunchAsync(playwright);

    private static async Task<IPage> SignUpAsync(IBrowser browser, StandaloneHost host, string username, string displayName)
    {
        // A context per user: separate storage, as two people on two machines.
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 680 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress.ToString());
        var form = page.Locator("#signup-form");
        await form.GetByLabel("Username").FillAsync(username);
        await form.GetByLabel("Email").FillAsync($"{username}@example.test");
        await form.GetByLabel("Display name").FillAsync(displayName);
        await form.GetByLabel("Password").FillAsync("s3cret-passw0rd");
        await form.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await Expect(page.GetByTestId("me")).ToHaveTextAsync($"{displayName} (@{username})");
        // Connected before anything is sent to it: events are not replayed.
        await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
        return page;
    }
}
