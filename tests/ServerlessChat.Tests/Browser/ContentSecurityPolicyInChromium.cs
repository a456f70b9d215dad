using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>
/// The web client under its Content-Security-Policy in Chromium: no violation while it signs in, connects its
/// WebSocket and sends, and the reset page takes its token out of the address bar at once yet still uses it.
/// </summary>
public sealed class ContentSecurityPolicyInChromium(ITestOutputHelper output)
{
    // Registered before any of the page's scripts: every violation the page meets, and the console's CSP errors.
    private const string ViolationRecorder = """
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
        """;

    static ContentSecurityPolicyInChromium() => SetDefaultExpectTimeout(15_000);

    [Fact]
    public async Task TheResetPageDropsTheTokenFromItsUrlAfterLoadAndStillSendsIt()
    {
        if (!Chromium.Available(output))
        {
            return;
        }
        await using var host = await StandaloneHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var console = Record(page);
        await page.AddInitScriptAsync(ViolationRecorder);

        await page.GotoAsync(new Uri(host.BaseAddress, "reset-password/?token=secret-reset-token-123").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose a new password" })).ToBeVisibleAsync();

        Assert.DoesNotContain("secret-reset-token-123", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain("token", await page.EvaluateAsync<string>("() => location.href"), StringComparison.Ordinal);
        // Kept in memory: the form still sends it, and the server answers for that token.
        await page.GetByLabel("New password").FillAsync("correct horse battery");
        await page.GetByLabel("Repeat it").FillAsync("correct horse battery");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown, expired or already used");
        await AssertNoViolationsAsync(page, console);
    }

    [Fact]
    public async Task SigningInConnectingAndSendingMeetNoPolicyViolation()
    {
        if (!Chromium.Available(output))
        {
            return;
        }
        await using var host = await StandaloneHost.StartAsync();
        var alice = await ChatApiClient.RegisterAsync(host.Client, "csp");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "csp");
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "hello under a policy" });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var console = Record(page);
        await page.AddInitScriptAsync(ViolationRecorder);

        await page.GotoAsync(host.BaseAddress.ToString());
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Username or email").FillAsync(alice.Username);
        await form.GetByLabel("Password").FillAsync(alice.Password);
        await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The hub's WebSocket is open: connect-src lets it through.
        await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
        await page.GetByTestId("conversation").First.ClickAsync();
        await Expect(page.Locator("#messages")).ToContainTextAsync("hello under a policy");
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("answered under a policy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.Locator("#messages")).ToContainTextAsync("answered under a policy");

        await AssertNoViolationsAsync(page, console);
    }

    private List<string> Record(IPage page)
    {
        var messages = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (messages)
                {
                    messages.Add(message.Text);
                }
                output.WriteLine($"[console {message.Type}] {message.Text}");
            }
        };
        return messages;
    }

    private static async Task AssertNoViolationsAsync(IPage page, List<string> console)
    {
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__cspViolations"));
        lock (console)
        {
            Assert.DoesNotContain(console, text => text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }
    }
}
