using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessChat.Tests.Attachments;
using ServerlessChat.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>Signing in and screenshots, for every web client test class.</summary>
public static class WebClientPages
{
    /// <summary>Signs in on a new page of <paramref name="context"/>, by default a new context of <paramref name="browser"/>.</summary>
    public static async Task<IPage> SignInAsync(IBrowser browser, StandaloneHost host, ChatApiClient user, ITestOutputHelper output,
        int width = 1100, int height = 680, IBrowserContext? context = null)
    {
        // A context per user: separate storage, as two people on two machines.
        context ??= await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await context.GrantPermissionsAsync(["camera", "microphone", "notifications"], new() { Origin = host.BaseAddress.GetLeftPart(UriPartial.Authority) });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                try
                {
                    output.WriteLine($"[{user.Username} console {message.Type}] {message.Text}");
                }
                catch (InvalidOperationException)
                {
                    // A page of a test that has ended (its output is closed) may still log, e.g. a session ended meanwhile.
                }
            }
        };
        await page.GotoAsync(host.BaseAddress.ToString());
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Username or email").FillAsync(user.Username);
        await form.GetByLabel("Password").FillAsync(user.Password);
        await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + user.Username);
        // Connected before anything is sent to it.
        await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
        return page;
    }

    /// <summary>Keeps a screenshot when CHAT_SCREENSHOTS_DIR is set.</summary>
    public static async Task SaveScreenshotAsync(IPage page, string name, ITestOutputHelper output)
    {
        var directory = Environment.GetEnvironmentVariable("CHAT_SCREENSHOTS_DIR");
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await page.ScreenshotAsync(new() { Path = path });
        output.WriteLine($"Screenshot: {path}");
    }
}

/// <summary>
/// A host whose first admin comes from Moderation:AdminUserIds (registered on a first process, which is then
/// started again with its id), and one Chromium.
/// </summary>
public sealed class WebClientAccountFixture : IAsyncLifetime
{
    private StandaloneHost? _first;

    public StandaloneHost Host { get; private set; } = null!;
    public ChatApiClient Admin { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser? Browser { get; private set; }

    public async Task InitializeAsync()
    {
        _first = await StandaloneHost.StartAsync();
        var admin = await ChatApiClient.RegisterAsync(_first.Client, "admin");
        await _first.KillAsync();
        // Ended sessions are refused within a second rather than a minute: the session test needs no long wait.
        Host = await _first.StartAgainAsync(new Dictionary<string, string?>
        {
            ["Moderation__AdminUserIds__0"] = admin.UserId,
            ["Sessions__RevocationCacheSeconds"] = "1",
        });
        Admin = admin.OnHost(Host);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        if (File.Exists(Chromium.ExecutablePath))
        {
            Browser = await Chromium.LaunchAsync(Playwright);
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright.Dispose();
        await Host.DisposeAsync();
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }
    }
}

/// <summary>
/// The web client's account and trust-and-safety flows in Chromium: the settings dialog (profile with avatar and
/// status, sessions, export, deleting the account), reporting, and the moderation page.
/// </summary>
public sealed class WebClientAccountInChromium(WebClientAccountFixture fixture, ITestOutputHelper output) : IClassFixture<WebClientAccountFixture>
{
    private static readonly LocatorGetByLabelOptions Exact = new() { Exact = true };

    static WebClientAccountInChromium() => SetDefaultExpectTimeout(15_000);

    private StandaloneHost Host => fixture.Host;

    [Fact]
    public async Task AProfileEditedInSettingsWithAnAvatarAndAStatusIsSeenByAnotherUserLive()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "Hello from Alice" });
        var alicePage = await SignInAsync(alice);
        var bobPage = await SignInAsync(bob);
        // Found by the last message: the name in it changes.
        var bobsItem = bobPage.GetByTestId("conversation").Filter(new() { HasText = "Hello from Alice" });
        await Expect(bobsItem.GetByTestId("avatar")).ToHaveAttributeAsync("data-initials", new System.Text.RegularExpressions.Regex("^A"));

        await alicePage.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        var settings = alicePage.Locator("#settings-dialog");
        await settings.GetByLabel("Display name").FillAsync("Alice Liddell");
        await settings.GetByLabel("Status emoji").FillAsync("🎩");
        await settings.GetByLabel("Status", Exact).FillAsync("At the tea party");
        await settings.GetByLabel("Clear status after").SelectOptionAsync("60");
        await settings.GetByLabel("Avatar").SetInputFilesAsync(new FilePayload { Name = "me.png", MimeType = "image/png", Buffer = TestFiles.Png(600, 400) });
        await settings.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Expect(settings.Locator("#profile-form .form-info")).ToHaveTextAsync("Profile saved.");
        // The preview is the server's square thumbnail now, and the top bar shows it too.
        await Expect(settings.Locator("#settings-avatar img")).ToHaveJSPropertyAsync("naturalWidth", 256);
        await Expect(alicePage.Locator("#me-avatar")).ToHaveJSPropertyAsync("naturalHeight", 256);
        await Expect(alicePage.GetByTestId("me")).ToContainTextAsync("Alice Liddell");
        await WebClientPages.SaveScreenshotAsync(alicePage, "desktop-settings.png", output);
        await settings.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        // Bob, who only watches, gets the new name and the avatar live (userUpdated), and the status in the header.
        await Expect(bobsItem.Locator(".conversation-name")).ToHaveTextAsync("Alice Liddell");
        await Expect(bobsItem.GetByTestId("avatar")).ToHaveJSPropertyAsync("naturalWidth", 256);
        await bobsItem.ClickAsync();
        await Expect(bobPage.Locator("#conversation-title")).ToHaveTextAsync("Alice Liddell");
        await Expect(bobPage.GetByTestId("conversation-status")).ToHaveTextAsync("🎩 At the tea party");
        await Expect(bobPage.Locator("#conversation-avatar")).ToHaveJSPropertyAsync("naturalWidth", 256);

        // Removing the avatar and clearing the status reach Bob too.
        await alicePage.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await settings.GetByRole(AriaRole.Button, new() { Name = "Remove avatar" }).ClickAsync();
        await settings.GetByLabel("Status emoji").FillAsync("");
        await settings.GetByLabel("Status", Exact).FillAsync("");
        await settings.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Expect(settings.Locator("#profile-form .form-info")).ToHaveTextAsync("Profile saved.");
        await Expect(bobsItem.GetByTestId("avatar")).ToHaveAttributeAsync("data-initials", new System.Text.RegularExpressions.Regex("^A"));
        await Expect(bobPage.GetByTestId("conversation-status")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task AReportedMessageReachesTheModeratorWhoRemovesItAndTheAuditLogShowsIt()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var spammer = await ChatApiClient.RegisterAsync(Host.Client, "spam");
        var text = "Cheap watches " + Guid.NewGuid().ToString("N")[..6];
        await spammer.SendMessageAsync(new { receiverId = alice.UserId, content = text });
        var alicePage = await SignInAsync(alice);
        await alicePage.GetByTestId("conversation").Filter(new() { HasText = spammer.Username }).ClickAsync();

        // Alice reports the message, then its sender.
        var message = alicePage.GetByTestId("message").Filter(new() { HasText = text });
        await message.HoverAsync();
        await message.GetByRole(AriaRole.Button, new() { Name = "Report message" }).ClickAsync();
        var dialog = alicePage.Locator("#report-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Send report" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Pick a reason.");
        await dialog.GetByLabel("Spam").CheckAsync();
        await dialog.GetByLabel("Note (optional)").FillAsync("Sent to everyone");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Send report" }).ClickAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        await Expect(alicePage.Locator("#notice")).ToContainTextAsync("Your report was sent");
        await alicePage.GetByRole(AriaRole.Button, new() { Name = "Report " + spammer.Username }).ClickAsync();
        await dialog.GetByLabel("Harassment or bullying").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Send report" }).ClickAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        // No moderation for Alice.
        await Expect(alicePage.GetByRole(AriaRole.Button, new() { Name = "Moderation" })).ToBeHiddenAsync();

        var adminPage = await SignInAsync(fixture.Admin);
        await adminPage.GetByRole(AriaRole.Button, new() { Name = "Moderation" }).ClickAsync();
        var moderation = adminPage.Locator("#moderation-dialog");
        var messageReport = moderation.GetByTestId("report").Filter(new() { HasText = text });
        await Expect(messageReport.GetByTestId("report-snapshot")).ToHaveTextAsync(text);
        await Expect(messageReport).ToContainTextAsync("Sent to everyone");
        await Expect(messageReport).ToContainTextAsync("spam");
        await WebClientPages.SaveScreenshotAsync(adminPage, "desktop-moderation.png", output);
        await messageReport.GetByLabel("Resolution note").FillAsync("Spam wave");
        await messageReport.GetByRole(AriaRole.Button, new() { Name = "Remove message" }).ClickAsync();
        await adminPage.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(messageReport).ToHaveCountAsync(0);

        // The message is gone for Alice, live.
        await Expect(alicePage.GetByTestId("message").Filter(new() { HasText = "Message deleted" })).ToHaveCountAsync(1);
        await Expect(alicePage.GetByTestId("message").Filter(new() { HasText = text })).ToHaveCountAsync(0);

        // The user report is dismissed; both are under Resolved, and in the audit log.
        var userReport = moderation.GetByTestId("report").Filter(new() { HasText = "@" + spammer.Username });
        await userReport.GetByRole(AriaRole.Button, new() { Name = "Dismiss" }).ClickAsync();
        await Expect(userReport).ToHaveCountAsync(0);
        await moderation.GetByRole(AriaRole.Tab, new() { Name = "Resolved" }).ClickAsync();
        await Expect(moderation.GetByTestId("report").Filter(new() { HasText = text }).GetByTestId("report-resolution")).ToContainTextAsync("Message removed");
        await Expect(moderation.GetByTestId("report").Filter(new() { HasText = "@" + spammer.Username }).GetByTestId("report-resolution")).ToContainTextAsync("Dismissed");
        await moderation.GetByRole(AriaRole.Tab, new() { Name = "Audit log" }).ClickAsync();
        await Expect(moderation.GetByTestId("audit-entry").Filter(new() { HasText = "Spam wave" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task DeletingTheAccountNeedsThePasswordWarnsAndSignsOut()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var page = await SignInAsync(alice);
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        var settings = page.Locator("#settings-dialog");
        await Expect(settings.Locator("#delete-warning")).ToContainTextAsync("permanent");

        await settings.GetByLabel("Password to confirm").FillAsync("not my password");
        await settings.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        await page.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete account" }).ClickAsync();
        await Expect(settings.Locator("#delete-form .form-error")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + alice.Username);

        await settings.GetByLabel("Password to confirm").FillAsync(alice.Password);
        await settings.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        // The confirmation can still be refused.
        await page.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + alice.Username);
        await settings.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        await page.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete account" }).ClickAsync();

        await Expect(page.Locator("#signin-form")).ToBeVisibleAsync();
        await Expect(page.GetByText("Your account is being deleted.")).ToBeVisibleAsync();
        var login = await Host.Client.PostAsJsonAsync("api/auth/login", new { username = alice.Username, password = alice.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    [Fact]
    public async Task AnExportIsRequestedInSettingsAndItsLinkDownloadsTheZip()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "Keep this one" });
        var page = await SignInAsync(alice);
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        var settings = page.Locator("#settings-dialog");

        await settings.GetByRole(AriaRole.Button, new() { Name = "Request my data" }).ClickAsync();
        var link = settings.GetByTestId("export-link");
        await Expect(link).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(settings.Locator("#export-status")).ToContainTextAsync("ready");
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var path = await download.PathAsync();
        var bytes = await File.ReadAllBytesAsync(path!);
        Assert.Equal("PK"u8.ToArray(), bytes[..2]);
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(bytes)))
        {
            Assert.Contains(zip.Entries, e => e.FullName == "messages.jsonl");
        }

        // A second request the same day says why; the ready link stays, after a reopen too.
        await settings.GetByRole(AriaRole.Button, new() { Name = "Request my data" }).ClickAsync();
        await Expect(settings.Locator("#settings-data .form-error")).ToContainTextAsync("one export a day");
        await settings.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await Expect(link).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AnotherSessionIsSignedOutFromTheListAndEverywhereElseEndsTheRest()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        // Three sessions: the API's registration, a second browser, and this page.
        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var otherPage = await SignInAsync(alice);
        var page = await SignInAsync(alice);
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        var settings = page.Locator("#settings-dialog");
        var sessions = settings.GetByTestId("session");
        await Expect(sessions).ToHaveCountAsync(3);
        await Expect(sessions.Filter(new() { HasText = "This device" })).ToHaveAttributeAsync("data-current", "true");

        // The registration's session (no browser: an unknown device) goes, and its refresh token stops at once.
        await sessions.Filter(new() { HasText = "Unknown device" }).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Sign out") }).ClickAsync();
        await Expect(sessions).ToHaveCountAsync(2);
        var refresh = await Host.Client.PostAsJsonAsync("api/auth/refresh", new { refreshToken = alice.RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);

        // Everywhere else: only this page is left, and the other browser is back at sign-in once its token is refused.
        await settings.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere else" }).ClickAsync();
        await page.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Sign out others" }).ClickAsync();
        await Expect(sessions).ToHaveCountAsync(1);
        await Expect(settings.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere else" })).ToBeDisabledAsync();
        var signIn = otherPage.Locator("#signin-form");
        for (var attempt = 0; attempt < 10 && !await signIn.IsVisibleAsync(); attempt++)
        {
            // Its next request (a reload's first call) is refused, its refresh too, and the page signs out.
            await otherPage.ReloadAsync();
            try
            {
                await Expect(signIn).ToBeVisibleAsync(new() { Timeout = 3_000 });
            }
            catch (PlaywrightException)
            {
                // Not refused yet (revocations are cached for a second): reload again.
            }
        }

        await Expect(signIn).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + alice.Username);
        await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
    }

    private Task<IPage> SignInAsync(ChatApiClient user) => WebClientPages.SignInAsync(fixture.Browser!, Host, user, output);
}
