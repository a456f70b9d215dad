using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>One standalone host (Web Push on, with its own VAPID keys) and one Chromium (fake camera and microphone) for the web client's flows.</summary>
public sealed class WebClientBrowserFixture : IAsyncLifetime
{
    public StandaloneHost Host { get; private set; } = null!;

    public string VapidPublicKey { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser? Browser { get; private set; }

    public async Task InitializeAsync()
    {
        var (publicKey, privateKey) = ServerlessChat.Core.Push.VapidKeys.Generate();
        VapidPublicKey = publicKey;
        Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Push__VapidPublicKey"] = publicKey,
            ["Push__VapidPrivateKey"] = privateKey,
        });
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        if (File.Exists(Chromium.ExecutablePath))
        {
            Browser = await Chromium.LaunchAsync(Playwright, Chromium.FakeMediaArgs);
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
    }
}

/// <summary>
/// The web client's flows in Chromium, each with users registered through the API and signed in on pages of
/// their own: groups, edit and delete, unread counts and older pages, a WebRTC call, and the 375 px layout.
/// Set CHAT_SCREENSHOTS_DIR to keep screenshots of the desktop and narrow layouts.
/// </summary>
public sealed partial class WebClientInChromium(WebClientBrowserFixture fixture, ITestOutputHelper output) : IClassFixture<WebClientBrowserFixture>
{
    private static readonly PageGetByLabelOptions Exact = new() { Exact = true };

    static WebClientInChromium() => SetDefaultExpectTimeout(15_000);

    private StandaloneHost Host => fixture.Host;

    [Fact]
    public async Task AGroupIsCreatedFromSearchAndItsMembershipChangesReachEveryMemberLive()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var cat = await ChatApiClient.RegisterAsync(Host.Client, "cat");
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        var catPage = await SignInAsync(cat);

        // Ann creates a group with Ben, found by search.
        var groupName = "Project " + ann.Username[^6..];
        await annPage.GetByRole(AriaRole.Button, new() { Name = "New group" }).ClickAsync();
        var dialog = annPage.Locator("#group-dialog");
        await dialog.GetByLabel("Group name").FillAsync(groupName);
        await dialog.GetByLabel("Add people").FillAsync(ben.Username);
        await dialog.GetByTestId("search-result").Filter(new() { HasText = "@" + ben.Username }).ClickAsync();
        await Expect(dialog.GetByTestId("picked-member")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(ben.Username));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        await Expect(annPage.Locator("#conversation-title")).ToHaveTextAsync(groupName);

        // Ben's list gets it live, before any message; Cat's does not.
        var benGroup = benPage.GetByTestId("conversation").Filter(new() { HasText = groupName });
        await Expect(benGroup).ToBeVisibleAsync();
        await Expect(catPage.GetByTestId("conversation").Filter(new() { HasText = groupName })).ToHaveCountAsync(0);

        // Ann, an admin, adds Cat from the members dialog: Cat's list gets the group, Ben sees three members.
        await annPage.Locator("#members-button").ClickAsync();
        var members = annPage.Locator("#members-dialog");
        await Expect(members.GetByTestId("member")).ToHaveCountAsync(2);
        await members.GetByLabel("Add people").FillAsync(cat.Username);
        await members.GetByTestId("search-result").Filter(new() { HasText = "@" + cat.Username }).ClickAsync();
        await Expect(members.GetByTestId("member")).ToHaveCountAsync(3);
        var catGroup = catPage.GetByTestId("conversation").Filter(new() { HasText = groupName });
        await Expect(catGroup).ToBeVisibleAsync();
        await benGroup.ClickAsync();
        await Expect(benPage.Locator("#members-button")).ToContainTextAsync("3 members");
        // Ben, connected, counts himself among the online members.
        await Expect(benPage.Locator("#members-button")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^3 members, [1-3] online$"));

        // Members' presence is not shown here: Ben and Cat were added by Ann and have not written in the group, and
        // presence shows only who took part in a shared conversation (issue 29; PresenceTests cover it).
        await SaveScreenshotAsync(annPage, "desktop-group-members.png");

        // A message in the group reaches the others live.
        await catGroup.ClickAsync();
        await catPage.GetByLabel("Message", Exact).FillAsync("Hello group");
        await catPage.GetByLabel("Message", Exact).PressAsync("Enter");
        await Expect(benPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("Hello group");
        await Expect(annPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("Hello group");
        // Ann reads it in the open group; once Ben read it too, Cat's message is read by everyone.
        await Expect(catPage.GetByTestId("message-status").Last).ToHaveTextAsync("read");

        // Ann removes Cat: the group leaves Cat's list live, Ben sees two members.
        await members.GetByRole(AriaRole.Button, new() { Name = $"Remove {cat.Username}" }).ClickAsync();
        var annConfirm = annPage.Locator("#confirm-dialog");
        await Expect(annConfirm).ToContainTextAsync($"Remove {cat.Username} from");
        await annConfirm.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(members.GetByTestId("member")).ToHaveCountAsync(2);
        await Expect(catGroup).ToHaveCountAsync(0);
        await Expect(catPage.Locator("#conversation-pane")).ToBeHiddenAsync();
        await Expect(benPage.Locator("#members-button")).ToContainTextAsync("2 members");

        // Esc closes the dialog and focus goes back to the button that opened it.
        await annPage.Keyboard.PressAsync("Escape");
        await Expect(members).Not.ToBeVisibleAsync();
        await Expect(annPage.Locator("#members-button")).ToBeFocusedAsync();

        // Ben leaves: the group is gone from his list, Ann's shows one member.
        await benPage.Locator("#members-button").ClickAsync();
        await benPage.Locator("#members-dialog").GetByRole(AriaRole.Button, new() { Name = "Leave group" }).ClickAsync();
        // Leaving asks first: Cancel keeps Ben in, then he confirms.
        var benConfirm = benPage.Locator("#confirm-dialog");
        await Expect(benConfirm).ToContainTextAsync("Leave ");
        await benConfirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(benPage.Locator("#members-dialog")).ToBeVisibleAsync();
        await Expect(benGroup).ToHaveCountAsync(1);
        await benPage.Locator("#members-dialog").GetByRole(AriaRole.Button, new() { Name = "Leave group" }).ClickAsync();
        await benConfirm.GetByRole(AriaRole.Button, new() { Name = "Leave" }).ClickAsync();
        await Expect(benGroup).ToHaveCountAsync(0);
        await Expect(annPage.Locator("#members-button")).ToContainTextAsync("1 members");
    }

    [Fact]
    public async Task EditingAndDeletingOnesOwnMessageShowsLiveToThePeer()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "first version" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, ben.Username);
        await OpenConversationAsync(benPage, ann.Username);
        var annMessage = annPage.GetByTestId("message").Last;
        var benMessage = benPage.GetByTestId("message").Last;
        await Expect(benMessage.Locator(".content")).ToHaveTextAsync("first version");
        // Only one's own messages offer edit and delete.
        await Expect(benMessage.GetByRole(AriaRole.Button, new() { Name = "Edit message" })).ToHaveCountAsync(0);

        // Esc leaves the edit without a change.
        await annMessage.GetByRole(AriaRole.Button, new() { Name = "Edit message" }).ClickAsync();
        var edit = annPage.Locator("#edit-dialog");
        await Expect(edit.GetByLabel("New text")).ToBeFocusedAsync();
        await annPage.Keyboard.PressAsync("Escape");
        await Expect(edit).Not.ToBeVisibleAsync();
        await Expect(annMessage.GetByTestId("edited")).ToHaveCountAsync(0);

        // Enter saves; Ben sees the new text and "edited" live.
        await annMessage.GetByRole(AriaRole.Button, new() { Name = "Edit message" }).ClickAsync();
        await edit.GetByLabel("New text").FillAsync("second <b>version</b>");
        await edit.GetByLabel("New text").PressAsync("Enter");
        await Expect(benMessage.Locator(".content")).ToHaveTextAsync("second <b>version</b>");
        await Expect(benMessage.GetByTestId("edited")).ToBeVisibleAsync();
        await Expect(annMessage.GetByTestId("edited")).ToBeVisibleAsync();
        await Expect(benPage.Locator("#messages b")).ToHaveCountAsync(0);

        // Delete, confirmed: Ben sees "Message deleted" live, in the message and in his list.
        await annMessage.GetByRole(AriaRole.Button, new() { Name = "Delete message" }).ClickAsync();
        await annPage.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(benMessage.Locator(".content")).ToHaveTextAsync("Message deleted");
        await Expect(benMessage).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("deleted"));
        await Expect(benPage.GetByTestId("conversation").Filter(new() { HasText = ann.Username })).ToContainTextAsync("Message deleted");
        await Expect(annMessage.GetByRole(AriaRole.Button, new() { Name = "Edit message" })).ToHaveCountAsync(0);

        // The server agrees.
        var history = await ChatApiClient.ReadAsync(await ben.GetAsync($"api/messages?with={ann.UserId}"), System.Net.HttpStatusCode.OK);
        Assert.True((bool)history["items"]![0]!["deleted"]!);
    }

    [Fact]
    public async Task UnreadCountsGrowLiveAndOlderMessagesLoadPageByPage()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        for (var i = 1; i <= 55; i++)
        {
            await ben.SendMessageAsync(new { receiverId = ann.UserId, content = $"message {i}" });
        }

        var annPage = await SignInAsync(ann);
        var fromBen = annPage.GetByTestId("conversation").Filter(new() { HasText = ben.Username });
        await Expect(fromBen.Locator(".badge")).ToHaveTextAsync("55");
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "message 56" });
        await Expect(fromBen.Locator(".badge")).ToHaveTextAsync("56");

        await fromBen.ClickAsync();
        await Expect(annPage.GetByTestId("message")).ToHaveCountAsync(50);
        await Expect(annPage.GetByTestId("message").First.Locator(".content")).ToHaveTextAsync("message 7");
        await Expect(fromBen.Locator(".badge")).ToHaveCountAsync(0);
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Load older messages" }).ClickAsync();
        await Expect(annPage.GetByTestId("message")).ToHaveCountAsync(56);
        await Expect(annPage.GetByTestId("message").First.Locator(".content")).ToHaveTextAsync("message 1");
        await Expect(annPage.GetByRole(AriaRole.Button, new() { Name = "Load older messages" })).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TwoPeopleHoldAVideoCallWithRealMediaAndHangUp()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "call you now" });
        // Ben took part in the conversation: only then may Ann ring him.
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "go ahead" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, ben.Username);

        await annPage.GetByRole(AriaRole.Button, new() { Name = "Start a video call" }).ClickAsync();
        await Expect(annPage.Locator("#call-status")).ToHaveTextAsync($"Calling {ben.Username}…");
        await Expect(benPage.Locator("#call-status")).ToHaveTextAsync($"{ann.Username} is calling you (video)");
        var accept = benPage.GetByRole(AriaRole.Button, new() { Name = "Accept" });
        await Expect(accept).ToBeFocusedAsync();
        await accept.ClickAsync();

        // Both peer connections connect, and each side's remote video decodes frames.
        foreach (var page in new[] { annPage, benPage })
        {
            await Expect(page.Locator("#call-panel")).ToHaveAttributeAsync("data-connection", "connected");
            await page.WaitForFunctionAsync(
                "() => { const v = document.getElementById('remote-video'); return v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 3; }",
                null,
                new() { Timeout = 15_000 });
        }

        await Expect(annPage.Locator("#call-status")).ToHaveTextAsync($"In a call with {ben.Username}");
        await SaveScreenshotAsync(benPage, "desktop-call.png");
        // The buttons say what they do.
        var mic = annPage.Locator("#call-mic-button");
        await Expect(mic).ToHaveTextAsync("Mute");
        await mic.ClickAsync();
        await Expect(mic).ToHaveTextAsync("Unmute");
        Assert.False(await annPage.EvaluateAsync<bool>("() => document.getElementById('local-video').srcObject.getAudioTracks()[0].enabled"));
        var camera = annPage.Locator("#call-camera-button");
        await Expect(camera).ToHaveTextAsync("Stop video");
        await camera.ClickAsync();
        await Expect(camera).ToHaveTextAsync("Start video");
        Assert.False(await annPage.EvaluateAsync<bool>("() => document.getElementById('local-video').srcObject.getVideoTracks()[0].enabled"));

        // Ann hangs up: her panel goes at once (it covered the message box); Ben is told, and closes his.
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Hang up" }).ClickAsync();
        await Expect(annPage.Locator("#call-panel")).ToBeHiddenAsync();
        await Expect(annPage.GetByLabel("Message", Exact)).ToBeVisibleAsync();
        await Expect(benPage.Locator("#call-status")).ToHaveTextAsync("Call ended");
        await Expect(benPage.Locator("#call-panel")).ToHaveAttributeAsync("data-connection", "closed");
        await benPage.Locator("#call-panel").GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(benPage.Locator("#call-panel")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task ADeclinedCallTellsTheCallerAndACallToSomeoneInACallIsBusy()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var cat = await ChatApiClient.RegisterAsync(Host.Client, "cat");
        await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "hi" });
        await cat.SendMessageAsync(new { receiverId = ben.UserId, content = "hi" });
        // Ben answered both: only then may they ring him.
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "hi ann" });
        await ben.SendMessageAsync(new { receiverId = cat.UserId, content = "hi cat" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        var catPage = await SignInAsync(cat);
        await OpenConversationAsync(annPage, ben.Username);
        await OpenConversationAsync(catPage, ben.Username);

        await annPage.GetByRole(AriaRole.Button, new() { Name = "Start an audio call" }).ClickAsync();
        await Expect(benPage.Locator("#call-status")).ToHaveTextAsync($"{ann.Username} is calling you (audio)");

        // Ben is ringing for Ann: Cat hears busy.
        await catPage.GetByRole(AriaRole.Button, new() { Name = "Start an audio call" }).ClickAsync();
        await Expect(catPage.Locator("#call-status")).ToHaveTextAsync($"{ben.Username} is busy in another call");
        await Expect(benPage.Locator("#call-status")).ToHaveTextAsync($"{ann.Username} is calling you (audio)");

        await benPage.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await Expect(annPage.Locator("#call-status")).ToHaveTextAsync($"{ben.Username} declined the call");
        await Expect(benPage.Locator("#call-panel")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task AtPhoneWidthTheListAndTheConversationTakeTurnsWithoutSidewaysScrolling()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "A fairly long first message to see how the bubbles wrap on a phone screen" });
        var annPage = await SignInAsync(ann, width: 375, height: 740);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(benPage, ann.Username);

        var list = annPage.Locator("#conversations");
        await Expect(list).ToBeVisibleAsync();
        await Expect(annPage.Locator("#no-selection")).ToBeHiddenAsync();
        await SaveScreenshotAsync(annPage, "narrow-list.png");
        await annPage.GetByTestId("conversation").Filter(new() { HasText = ben.Username }).ClickAsync();
        await Expect(list).ToBeHiddenAsync();
        var input = annPage.GetByLabel("Message", Exact);
        await Expect(input).ToBeFocusedAsync();
        await input.FillAsync("Replying from a phone");
        await input.PressAsync("Enter");
        await Expect(benPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("Replying from a phone");
        await Expect(annPage.GetByTestId("message-status").Last).ToHaveTextAsync("read");
        // Elements that reach past the right edge, named for the failure message.
        var overflowing = await annPage.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll("body *")]
              .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > window.innerWidth + 0.5)
              .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)
            """);
        Assert.True(overflowing.Length == 0, "past the right edge at 375 px: " + string.Join("; ", overflowing));
        Assert.True(await annPage.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 375 px");
        var send = await annPage.GetByRole(AriaRole.Button, new() { Name = "Send" }).BoundingBoxAsync();
        Assert.NotNull(send);
        Assert.True(send.X + send.Width <= 375, $"the send button ends at {send.X + send.Width}px");
        await SaveScreenshotAsync(annPage, "narrow-conversation.png");
        await SaveScreenshotAsync(benPage, "desktop-conversation.png");

        await annPage.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" }).ClickAsync();
        await Expect(list).ToBeVisibleAsync();
    }

    /// <summary>Signs in on a new page of <paramref name="context"/>, by default a new context of the shared browser.</summary>
    private Task<IPage> SignInAsync(ChatApiClient user, int width = 1100, int height = 680, IBrowserContext? context = null) =>
        WebClientPages.SignInAsync(fixture.Browser!, Host, user, output, width, height, context);

    private static async Task OpenConversationAsync(IPage page, string peerName)
    {
        await page.GetByTestId("conversation").Filter(new() { HasText = peerName }).ClickAsync();
        await Expect(page.Locator("#conversation-title")).ToHaveTextAsync(peerName);
    }

    private Task SaveScreenshotAsync(IPage page, string name) => WebClientPages.SaveScreenshotAsync(page, name, output);
}
