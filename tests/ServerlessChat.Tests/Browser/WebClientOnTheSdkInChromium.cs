using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>
/// The web client on the JS SDK (its checked-in bundle): an outage shown as one (banner with the last contact,
/// greyed presence, messages kept pending in the SDK's outbox and sent by themselves once the server is back),
/// and the names and initials of group members this user never chatted with, from the users API. Each test
/// has a host of its own: the outage kills it.
/// </summary>
public sealed partial class WebClientOnTheSdkInChromium(ITestOutputHelper output)
{
    private static readonly PageGetByLabelOptions Exact = new() { Exact = true };

    static WebClientOnTheSdkInChromium() => SetDefaultExpectTimeout(15_000);

    [Fact]
    public async Task AnOutageShowsABannerGreysPresenceKeepsTheMessagePendingAndSendsItOnceWhenTheServerIsBack()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var host = await StandaloneHost.StartAsync();
        var hosts = new List<StandaloneHost> { host };
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await Chromium.LaunchAsync(playwright);
            var ann = await ChatApiClient.RegisterAsync(host.Client, "ann");
            var ben = await ChatApiClient.RegisterAsync(host.Client, "ben");
            // Both took part in the conversation, so each may see the other's presence.
            await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "Hi Ben" });
            await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "Hi Ann" });
            var annPage = await SignInAsync(browser, host, ann);
            var benPage = await SignInAsync(browser, host, ben);

            await annPage.GetByTestId("conversation").Filter(new() { HasText = ben.Username }).ClickAsync();
            await Expect(annPage.Locator("#peer-presence")).ToHaveAttributeAsync("data-online", "true");
            await Expect(annPage.GetByTestId("offline-banner")).ToBeHiddenAsync();

            // The server goes away (SIGKILL): the banner says so with the time of the last contact, and Ben's dot,
            // which may be stale now, is grey.
            await host.KillAsync();
            var banner = annPage.GetByTestId("offline-banner");
            await Expect(banner).ToBeVisibleAsync();
            await Expect(banner).ToContainTextAsync(new Regex(@"Last contact with the server at \d"));
            await Expect(annPage.Locator("#peer-presence")).ToHaveAttributeAsync("data-stale", "true");
            Assert.Equal("rgb(184, 191, 199)", await annPage.Locator("#peer-presence").EvaluateAsync<string>("(e) => getComputedStyle(e).backgroundColor"));
            await Expect(benPage.GetByTestId("offline-banner")).ToBeVisibleAsync();
            await SaveScreenshotAsync(annPage, "desktop-offline-banner.png");

            // Written offline: shown at once, pending, with no Retry to press.
            const string offline = "Written while the server was away";
            await annPage.GetByLabel("Message", Exact).FillAsync(offline);
            await annPage.GetByLabel("Message", Exact).PressAsync("Enter");
            var annLast = annPage.GetByTestId("message").Last;
            await Expect(annLast.Locator(".content")).ToHaveTextAsync(offline);
            await Expect(annLast.GetByTestId("message-status")).ToHaveTextAsync("pending");
            await Expect(annPage.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToHaveCountAsync(0);

            // The server comes back on the same address: the page reconnects by itself, the banner goes, and the
            // SDK's outbox sends the message, which reaches Ben live. Ann's negotiate calls are timed for the figure.
            var clock = Stopwatch.StartNew();
            var negotiates = new List<(long Answered, int Status)>();
            annPage.RequestFinished += async (_, request) =>
            {
                if (request.Url.EndsWith("/api/negotiate", StringComparison.Ordinal))
                {
                    var answered = clock.ElapsedMilliseconds;
                    var response = await request.ResponseAsync();
                    lock (negotiates)
                    {
                        negotiates.Add((answered, response?.Status ?? 0));
                    }
                }
            };
            annPage.RequestFailed += (_, request) =>
            {
                if (request.Url.EndsWith("/api/negotiate", StringComparison.Ordinal))
                {
                    lock (negotiates)
                    {
                        negotiates.Add((clock.ElapsedMilliseconds, 0));
                    }
                }
            };
            host = await host.StartAgainAsync(sameAddress: true);
            hosts.Add(host);
            var listening = clock.ElapsedMilliseconds;
            await Expect(banner).ToBeHiddenAsync();
            var gone = clock.ElapsedMilliseconds;
            lock (negotiates)
            {
                output.WriteLine($"Host listening again at {listening} ms, banner gone at {gone} ms ({gone - listening} ms later); Ann's negotiates (answered ms, status): "
                    + string.Join(", ", negotiates.Select(n => $"{n.Answered}:{n.Status}")));
            }
            await Expect(annPage.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
            await Expect(annLast.GetByTestId("message-status")).ToHaveTextAsync(new Regex("^(sent|read)$"));
            await Expect(annPage.Locator("#chat-view")).Not.ToHaveAttributeAsync("data-offline", "true");
            await Expect(annPage.Locator("#peer-presence")).Not.ToHaveAttributeAsync("data-stale", "true");

            await Expect(benPage.GetByTestId("offline-banner")).ToBeHiddenAsync();
            var benConversation = benPage.GetByTestId("conversation").Filter(new() { HasText = ann.Username });
            await Expect(benConversation).ToContainTextAsync(offline);
            await benConversation.ClickAsync();
            await Expect(benPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync(offline);

            // Stored once.
            var history = await ChatApiClient.ReadAsync(await ben.OnHost(host).GetAsync($"api/messages?with={ann.UserId}&limit=50"), HttpStatusCode.OK);
            Assert.Single(history["items"]!.AsArray(), m => (string?)m!["content"] == offline);
        }
        finally
        {
            foreach (var started in hosts)
            {
                await started.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AGroupMemberNeverChattedWithShowsByNameAndInitialsEverywhereAndFollowsTheirProfile()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        await using var host = await StandaloneHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var dan = await ChatApiClient.RegisterAsync(host.Client, "dan");
        var eve = await ChatApiClient.RegisterAsync(host.Client, "eve");
        var fayName = ChatApiClient.UniqueName("fay");
        var fayAnswer = await ChatApiClient.ReadAsync(
            await ChatApiClient.PostRawAsync(host.Client, "api/auth/register",
                $$"""{"username":"{{fayName}}","email":"{{fayName}}@example.test","password":"s3cret-passw0rd","displayName":"Fay Lindqvist"}"""),
            HttpStatusCode.Created);
        var fay = new ChatApiClient(host.Client, (string)fayAnswer["user"]!["id"]!, fayName, $"{fayName}@example.test", "s3cret-passw0rd",
            (string)fayAnswer["accessToken"]!, (string)fayAnswer["refreshToken"]!);

        // Eve makes a group of the three; Dan and Fay never wrote to each other.
        var group = await eve.CreateGroupAsync("Book club " + dan.Username[^4..], dan.UserId, fay.UserId);
        var groupName = (string)group["name"]!;
        var danPage = await SignInAsync(browser, host, dan);
        await fay.SendMessageAsync(new { groupId = (string)group["id"]!, content = "Hello from Fay, about chapter three" });

        // The message list: her name and initials, looked up through GET /api/users/{id}.
        await danPage.GetByTestId("conversation").Filter(new() { HasText = groupName }).ClickAsync();
        var last = danPage.GetByTestId("message").Last;
        await Expect(last.Locator(".sender")).ToHaveTextAsync("Fay Lindqvist");
        await Expect(last.Locator(".sender").GetByTestId("avatar")).ToHaveAttributeAsync("data-initials", "FL");
        await Expect(danPage.Locator("#messages")).Not.ToContainTextAsync("Member …");

        // The members dialog.
        await danPage.Locator("#members-button").ClickAsync();
        var fayMember = danPage.Locator("#members-dialog").GetByTestId("member").Filter(new() { HasText = "Fay Lindqvist" });
        await Expect(fayMember).ToHaveCountAsync(1);
        await Expect(fayMember.GetByTestId("avatar")).ToHaveAttributeAsync("data-initials", "FL");
        await danPage.Keyboard.PressAsync("Escape");

        // Mention suggestions in the composer.
        await danPage.GetByLabel("Message", Exact).PressSequentiallyAsync("@" + fayName[..5]);
        await Expect(danPage.GetByTestId("mention-suggestion").Filter(new() { HasText = "Fay Lindqvist" })).ToHaveCountAsync(1);
        await danPage.GetByLabel("Message", Exact).FillAsync("");

        // Message search results.
        await danPage.GetByLabel("Search messages").FillAsync("chapter three");
        await Expect(danPage.GetByTestId("message-search-result").First).ToContainTextAsync("Fay Lindqvist");
        await danPage.GetByLabel("Search messages").PressAsync("Escape");
        await SaveScreenshotAsync(danPage, "desktop-group-names.png");

        // She changes her display name: userUpdated brings it to the open list, the members and the avatar.
        await ChatApiClient.ReadAsync(await fay.PatchAsync("api/users/me", new { displayName = "Fay Berg" }), HttpStatusCode.OK);
        await Expect(last.Locator(".sender")).ToHaveTextAsync("Fay Berg");
        await Expect(last.Locator(".sender").GetByTestId("avatar")).ToHaveAttributeAsync("data-initials", "FB");
    }

    [Fact]
    public async Task TabsShareOneSessionAndOneRefreshItSurvivesARestartAndSigningOutInOneTabSignsOutAll()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        await using var host = await StandaloneHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var ann = await ChatApiClient.RegisterAsync(host.Client, "ann");

        // Signed in in one tab: a second tab of the same browser opens signed in.
        var first = await SignInAsync(browser, host, ann);
        var context = first.Context;
        var refreshes = 0;
        context.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/api/auth/refresh", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref refreshes);
            }
        };
        var second = await OpenSignedInAsync(context, host, ann);

        // Both tabs come back at once with the access token run out: each needs a refresh, and only one goes to the
        // server (a second use of the refresh token would revoke the login); both stay signed in and live.
        for (var round = 0; round < 3; round++)
        {
            await first.EvaluateAsync("""
                () => {
                  const kept = JSON.parse(localStorage.getItem("serverlesschat.session"));
                  kept.expiresAt = Date.now() - 1000;
                  localStorage.setItem("serverlesschat.session", JSON.stringify(kept));
                }
                """);
            var before = Volatile.Read(ref refreshes);
            await Task.WhenAll(first.ReloadAsync(), second.ReloadAsync());
            foreach (var page in new[] { first, second })
            {
                await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + ann.Username);
                await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
            }

            Assert.Equal(1, Volatile.Read(ref refreshes) - before);
        }

        // A browser restart: the saved storage opens signed in, with a session the server still takes.
        var saved = await context.StorageStateAsync();
        await context.CloseAsync();
        var restarted = await browser.NewContextAsync(new() { StorageState = saved, ViewportSize = new() { Width = 1100, Height = 680 } });
        var third = await OpenSignedInAsync(restarted, host, ann);
        var fourth = await OpenSignedInAsync(restarted, host, ann);

        // Signing out in one tab signs out the other.
        await third.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(third.Locator("#signin-form")).ToBeVisibleAsync();
        await Expect(fourth.Locator("#signin-form")).ToBeVisibleAsync();
        await Expect(fourth.Locator("#signin-form .form-error")).ToHaveTextAsync("You signed out in another tab.");
        await fourth.ReloadAsync();
        await Expect(fourth.Locator("#signin-form")).ToBeVisibleAsync();
        Assert.Null(await fourth.EvaluateAsync<string?>("() => localStorage.getItem('serverlesschat.session')"));
    }

    private static async Task<IPage> OpenSignedInAsync(IBrowserContext context, StandaloneHost host, ChatApiClient user)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress.ToString());
        await Expect(page.GetByTestId("me")).ToContainTextAsync("@" + user.Username);
        await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected");
        return page;
    }

    private Task<IPage> SignInAsync(IBrowser browser, StandaloneHost host, ChatApiClient user) => WebClientPages.SignInAsync(browser, host, user, output);

    private Task SaveScreenshotAsync(IPage page, string name) => WebClientPages.SaveScreenshotAsync(page, name, output);
}
