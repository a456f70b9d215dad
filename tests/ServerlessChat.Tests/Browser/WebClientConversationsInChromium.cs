using System.Net;
using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>
/// The web client's conversation features in Chromium over the real standalone host: the thread panel and the
/// threads list, pins, edit history, group settings and invites, "seen by", link preview cards and voice messages.
/// </summary>
public sealed partial class WebClientInChromium
{
    [Fact]
    public async Task AThreadOpensFromItsReplyCountTakesRepliesLiveAndKeepsThemOutOfTheConversation()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "Release plan for Friday" });
        await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "Sounds good" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, ben.Username);
        await OpenConversationAsync(benPage, ann.Username);
        var annMessages = annPage.Locator("#messages").GetByTestId("message");
        var benMessages = benPage.Locator("#messages").GetByTestId("message");
        await Expect(annMessages).ToHaveCountAsync(2);

        // Ann answers Ben's message in its thread: the panel opens with the root, the box takes the focus.
        var annRoot = annMessages.Filter(new() { HasText = "Release plan for Friday" });
        await annRoot.GetByRole(AriaRole.Button, new() { Name = "Reply in thread" }).ClickAsync();
        var annPanel = annPage.Locator("#thread-panel");
        await Expect(annPanel).ToBeVisibleAsync();
        await Expect(annPanel.GetByTestId("thread-root")).ToContainTextAsync("Release plan for Friday");
        await Expect(annPanel.GetByLabel("Reply in thread")).ToBeFocusedAsync();
        await annPanel.GetByLabel("Reply in thread").FillAsync("Shipping at noon works");
        await annPanel.GetByLabel("Reply in thread").PressAsync("Enter");
        await Expect(annPanel.GetByTestId("thread-replies").GetByTestId("thread-message")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("Shipping at noon works")]);
        await Expect(annPanel.GetByTestId("thread-count")).ToHaveTextAsync("1 reply");

        // Ben, who started it, sees the count under his message live and one unread reply, in the message and on
        // the Threads button; the reply is not in the conversation.
        var benRoot = benMessages.Filter(new() { HasText = "Release plan for Friday" });
        var benThreadButton = benRoot.GetByTestId("thread-button");
        await Expect(benThreadButton).ToContainTextAsync("1 reply");
        await Expect(benThreadButton.GetByTestId("thread-unread")).ToHaveTextAsync("1");
        await Expect(benPage.GetByTestId("threads-unread")).ToHaveTextAsync("1");
        await Expect(benMessages).ToHaveCountAsync(2);
        await Expect(annMessages).ToHaveCountAsync(2);

        // Ben opens the thread from the count: the page of replies loads and the thread is read.
        await benThreadButton.ClickAsync();
        var benPanel = benPage.Locator("#thread-panel");
        await Expect(benPanel.GetByTestId("thread-replies").GetByTestId("thread-message")).ToHaveCountAsync(1);
        await Expect(benPanel.GetByTestId("thread-replies").GetByTestId("thread-message")).ToContainTextAsync("Shipping at noon works");
        await Expect(benPage.GetByTestId("threads-unread")).ToBeHiddenAsync();
        await Expect(benRoot.GetByTestId("thread-unread")).ToHaveCountAsync(0);

        // Ben answers and also sends it to the conversation: Ann's panel and both conversations get it.
        await benPanel.GetByLabel("Reply in thread").FillAsync("Then I book the room");
        await benPanel.GetByLabel("Also send to the conversation").CheckAsync();
        await benPanel.GetByRole(AriaRole.Button, new() { Name = "Reply", Exact = true }).ClickAsync();
        await Expect(annPanel.GetByTestId("thread-replies").GetByTestId("thread-message")).ToHaveCountAsync(2);
        await Expect(annPanel.GetByTestId("thread-count")).ToHaveTextAsync("2 replies");
        await Expect(annMessages).ToHaveCountAsync(3);
        await Expect(annMessages.Last).ToContainTextAsync("Then I book the room");
        await Expect(annMessages.Last.GetByTestId("in-thread")).ToBeVisibleAsync();
        await Expect(benMessages).ToHaveCountAsync(3);
        await SaveScreenshotAsync(annPage, "desktop-thread-panel.png");

        // Esc closes the panel and the focus goes back to the count that opened it.
        await benPanel.GetByLabel("Reply in thread").FocusAsync();
        await benPage.Keyboard.PressAsync("Escape");
        await Expect(benPanel).ToBeHiddenAsync();
        await Expect(benThreadButton).ToBeFocusedAsync();

        // The Threads list (GET /api/threads) leads back to it, from a fresh page too.
        var annAgain = await SignInAsync(ann);
        await annAgain.Locator("#threads-button").ClickAsync();
        var item = annAgain.Locator("#threads-dialog").GetByTestId("thread-item");
        await Expect(item).ToHaveCountAsync(1);
        await Expect(item).ToContainTextAsync("Release plan for Friday");
        await Expect(item).ToContainTextAsync("2 replies");
        await item.ClickAsync();
        await Expect(annAgain.Locator("#conversation-title")).ToHaveTextAsync(ben.Username);
        await Expect(annAgain.Locator("#thread-panel").GetByTestId("thread-replies").GetByTestId("thread-message")).ToHaveCountAsync(2);

        // On a phone the panel takes the screen.
        var narrow = await SignInAsync(ben, width: 375, height: 740);
        await OpenConversationAsync(narrow, ann.Username);
        await narrow.Locator("#messages").GetByTestId("thread-button").ClickAsync();
        await Expect(narrow.Locator("#thread-panel").GetByTestId("thread-replies").GetByTestId("thread-message")).ToHaveCountAsync(2);
        var box = await narrow.Locator("#thread-panel").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.InRange(box.Width, 370, 376);
        await SaveScreenshotAsync(narrow, "narrow-thread-panel.png");
    }

    [Fact]
    public async Task AnAdminPinsAMessageEveryoneSeesItInThePinnedListAndTheEditedMarkShowsItsHistory()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var groupName = "Pins " + ann.Username[^6..];
        var group = await ann.CreateGroupAsync(groupName, ben.UserId);
        var groupId = (string)group["id"]!;
        var agenda = await ben.SendMessageAsync(new { groupId, content = "Agenda v1" });
        var agendaId = (string)agenda["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await ben.PatchAsync($"api/messages/{agendaId}", new { content = "Agenda v2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ben.PatchAsync($"api/messages/{agendaId}", new { content = "Agenda v3, final" })).StatusCode);
        for (var i = 1; i <= 3; i++)
        {
            await ann.SendMessageAsync(new { groupId, content = $"Later note {i}" });
        }

        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, groupName);
        await OpenConversationAsync(benPage, groupName);
        var annAgenda = annPage.Locator($"#messages [data-message-id=\"{agendaId}\"]");
        var benAgenda = benPage.Locator($"#messages [data-message-id=\"{agendaId}\"]");

        // Only admins pin in a group: Ben, a member, has no Pin button; Ann pins, and Ben sees the mark live.
        await Expect(benPage.Locator("#messages").GetByRole(AriaRole.Button, new() { Name = "Pin message" })).ToHaveCountAsync(0);
        await annAgenda.GetByRole(AriaRole.Button, new() { Name = "Pin message" }).ClickAsync();
        await Expect(annAgenda.GetByTestId("pinned-mark")).ToBeVisibleAsync();
        await Expect(benAgenda.GetByTestId("pinned-mark")).ToBeVisibleAsync();
        await Expect(benAgenda.GetByTestId("pinned-mark")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Pinned by "));

        // The Pinned list jumps to the message.
        await benPage.Locator("#pins-button").ClickAsync();
        var benPins = benPage.Locator("#pins-dialog");
        await Expect(benPins.GetByTestId("pin-item")).ToHaveCountAsync(1);
        await Expect(benPins.GetByTestId("pin-item")).ToContainTextAsync("Agenda v3, final");
        await Expect(benPins.GetByRole(AriaRole.Button, new() { Name = "Unpin message" })).ToHaveCountAsync(0);
        await SaveScreenshotAsync(benPage, "desktop-pins.png");
        await benPins.GetByRole(AriaRole.Button, new() { Name = "Jump to the message" }).ClickAsync();
        await Expect(benPins).Not.ToBeVisibleAsync();
        await Expect(benAgenda).ToHaveAttributeAsync("data-highlighted", "true");
        await Expect(benAgenda).ToBeFocusedAsync();

        // "edited" opens the earlier versions, oldest first, above the text it has now; Esc closes it.
        await benAgenda.GetByTestId("edited").ClickAsync();
        var history = benPage.Locator("#history-dialog");
        await Expect(history.GetByTestId("history-version").Locator(".history-text")).ToHaveTextAsync(["Agenda v1", "Agenda v2", "Agenda v3, final"]);
        await Expect(history.GetByTestId("history-version").First).ToContainTextAsync("Original");
        await benPage.Keyboard.PressAsync("Escape");
        await Expect(history).Not.ToBeVisibleAsync();
        await Expect(benAgenda.GetByTestId("edited")).ToBeFocusedAsync();

        // Ann unpins from her list: the list empties and Ben's mark goes.
        await annPage.Locator("#pins-button").ClickAsync();
        var annPins = annPage.Locator("#pins-dialog");
        await annPins.GetByRole(AriaRole.Button, new() { Name = "Unpin message" }).ClickAsync();
        await Expect(annPins.GetByTestId("pin-item")).ToHaveCountAsync(0);
        await Expect(benAgenda.GetByTestId("pinned-mark")).ToHaveCountAsync(0);

        var narrow = await SignInAsync(ann, width: 375, height: 740);
        await OpenConversationAsync(narrow, groupName);
        await narrow.Locator($"#messages [data-message-id=\"{agendaId}\"]").GetByRole(AriaRole.Button, new() { Name = "Pin message" }).ClickAsync();
        await narrow.Locator("#pins-button").ClickAsync();
        await Expect(narrow.Locator("#pins-dialog").GetByTestId("pin-item")).ToHaveCountAsync(1);
        await SaveScreenshotAsync(narrow, "narrow-pins.png");
    }

    [Fact]
    public async Task AnAdminRenamesFreezesMutesAndInvitesAndSomeoneJoinsByTheLink()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var dan = await ChatApiClient.RegisterAsync(Host.Client, "dan");
        var groupName = "Crew " + ann.Username[^6..];
        var group = await ann.CreateGroupAsync(groupName, ben.UserId);
        await ann.SendMessageAsync(new { groupId = (string)group["id"]!, content = "Welcome aboard" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, groupName);
        await OpenConversationAsync(benPage, groupName);

        // Ann renames and describes the group: Ben's header follows live.
        await annPage.Locator("#group-settings-button").ClickAsync();
        var settings = annPage.Locator("#group-settings-dialog");
        var newName = "Launch crew " + ann.Username[^6..];
        await settings.GetByLabel("Name").FillAsync(newName);
        await settings.GetByLabel("Description").FillAsync("Everything about Friday's launch");
        await settings.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(settings.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved." })).ToBeVisibleAsync();
        await Expect(benPage.Locator("#conversation-title")).ToHaveTextAsync(newName);

        // Ben, a member, sees the settings but cannot change them.
        await benPage.Locator("#group-settings-button").ClickAsync();
        var benSettings = benPage.Locator("#group-settings-dialog");
        await Expect(benSettings.GetByLabel("Name")).ToBeDisabledAsync();
        await Expect(benSettings.GetByLabel("Description")).ToHaveValueAsync("Everything about Friday's launch");
        await Expect(benSettings.GetByRole(AriaRole.Button, new() { Name = "Create invite link" })).ToHaveCountAsync(0);
        await benPage.Keyboard.PressAsync("Escape");
        await Expect(benPage.Locator("#group-settings-button")).ToBeFocusedAsync();

        // Frozen: Ben's message box says why it is off, until Ann unfreezes.
        var benInput = benPage.GetByLabel("Message", Exact);
        await settings.GetByLabel("Frozen: only admins can send").CheckAsync();
        await Expect(benPage.GetByTestId("composer-note")).ToHaveTextAsync("The group is frozen: only admins can send.");
        await Expect(benInput).ToBeDisabledAsync();
        await settings.GetByLabel("Frozen: only admins can send").UncheckAsync();
        await Expect(benInput).ToBeEnabledAsync();
        await Expect(benPage.GetByTestId("composer-note")).ToBeHiddenAsync();

        // Muted for an hour, then unmuted.
        var benRow = settings.Locator($"[data-testid=settings-member][data-user-id=\"{ben.UserId}\"]");
        await benRow.Locator("select").SelectOptionAsync("1");
        await benRow.GetByRole(AriaRole.Button, new() { Name = "Mute", Exact = false }).Filter(new() { HasText = "Mute" }).First.ClickAsync();
        await Expect(benRow).ToContainTextAsync("muted until");
        await Expect(benPage.GetByTestId("composer-note")).ToContainTextAsync("An admin muted you until");
        await Expect(benInput).ToBeDisabledAsync();
        await benRow.GetByRole(AriaRole.Button, new() { Name = "Unmute", Exact = false }).ClickAsync();
        await Expect(benInput).ToBeEnabledAsync();

        // Ben made admin, then not.
        await benRow.GetByRole(AriaRole.Button, new() { Name = "Make admin", Exact = false }).ClickAsync();
        await Expect(benRow.Locator(".role")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("admin"));
        await Expect(benRow.GetByRole(AriaRole.Button, new() { Name = "Remove admin", Exact = false })).ToBeVisibleAsync();
        await benRow.GetByRole(AriaRole.Button, new() { Name = "Remove admin", Exact = false }).ClickAsync();
        await Expect(benRow.GetByRole(AriaRole.Button, new() { Name = "Make admin", Exact = false })).ToBeVisibleAsync();

        // An invite link for five uses, copied.
        await annPage.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = Host.BaseAddress.GetLeftPart(UriPartial.Authority) });
        await settings.GetByLabel("Uses").FillAsync("5");
        await settings.GetByRole(AriaRole.Button, new() { Name = "Create invite link" }).ClickAsync();
        var invite = settings.GetByTestId("invite");
        await Expect(invite).ToHaveCountAsync(1);
        await Expect(invite).ToContainTextAsync("0 of 5 uses");
        await invite.GetByRole(AriaRole.Button, new() { Name = "Copy link" }).ClickAsync();
        await Expect(settings.Locator(".invite-status")).ToHaveTextAsync("Link copied.");
        var link = await invite.GetByLabel("Invite link").InputValueAsync();
        Assert.Equal(link, await annPage.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        Assert.StartsWith(Host.BaseAddress.GetLeftPart(UriPartial.Authority) + "/?invite=", link);
        await SaveScreenshotAsync(annPage, "desktop-group-settings.png");

        // Dan opens the link, signs in, sees the group's name and size, and joins.
        var danContext = await fixture.Browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 680 } });
        var danPage = await danContext.NewPageAsync();
        await danPage.GotoAsync(link);
        await Expect(danPage.Locator(".invite-note")).ToContainTextAsync("join the group you were invited to");
        var form = danPage.Locator("#signin-form");
        await form.GetByLabel("Username or email").FillAsync(dan.Username);
        await form.GetByLabel("Password").FillAsync(dan.Password);
        await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var join = danPage.Locator("#join-dialog");
        await Expect(join.Locator("h2")).ToHaveTextAsync($"Join {newName}?");
        await Expect(join.GetByTestId("join-detail")).ToContainTextAsync("2 members");
        Assert.DoesNotContain("invite=", danPage.Url);
        await join.GetByRole(AriaRole.Button, new() { Name = "Join group" }).ClickAsync();
        await Expect(danPage.Locator("#conversation-title")).ToHaveTextAsync(newName);
        await Expect(danPage.Locator("#messages").GetByTestId("message").Filter(new() { HasText = "Welcome aboard" })).ToHaveCountAsync(1);
        await Expect(benPage.Locator("#members-button")).ToContainTextAsync("3 members");

        // Ann revokes it: the link no longer leads anywhere.
        await annPage.Keyboard.PressAsync("Escape");
        await annPage.Locator("#group-settings-button").ClickAsync();
        await Expect(invite).ToContainTextAsync("1 of 5 uses");
        await invite.GetByRole(AriaRole.Button, new() { Name = "Revoke this invite" }).ClickAsync();
        await Expect(invite).ToHaveCountAsync(0);
        await danPage.GotoAsync(link);
        await Expect(join.Locator("h2")).ToHaveTextAsync("This invite link does not work");
        await Expect(join.GetByRole(AriaRole.Button, new() { Name = "Join group" })).ToBeHiddenAsync();

        var narrow = await SignInAsync(ann, width: 375, height: 740);
        await OpenConversationAsync(narrow, newName);
        await narrow.Locator("#group-settings-button").ClickAsync();
        await Expect(narrow.Locator("#group-settings-dialog").GetByLabel("Name")).ToHaveValueAsync(newName);
        await SaveScreenshotAsync(narrow, "narrow-group-settings.png");
    }

    [Fact]
    public async Task TheLastMessageOfAGroupSaysWhoHasSeenItAsTheyReadIt()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var cat = await ChatApiClient.RegisterAsync(Host.Client, "cat");
        var groupName = "Seen " + ann.Username[^6..];
        var groupId = (string)(await ann.CreateGroupAsync(groupName, ben.UserId, cat.UserId))["id"]!;
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, groupName);
        await OpenConversationAsync(benPage, groupName);

        await annPage.GetByLabel("Message", Exact).FillAsync("Standup moved to 10");
        await annPage.GetByLabel("Message", Exact).PressAsync("Enter");
        // Ben has the group open, so he reads it at once: Ann sees him under it, live.
        var seen = annPage.GetByTestId("seen-by");
        await Expect(seen).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Seen by [^,]+$"));
        var lastId = await annPage.Locator("#messages").GetByTestId("message").Last.GetAttributeAsync("data-message-id");
        await Expect(seen).ToHaveAttributeAsync("data-message-id", lastId!);

        // Cat reads through the API: everyone has seen it.
        Assert.Equal(HttpStatusCode.OK, (await cat.PostAsync("api/messages/read", new { groupId, upTo = lastId })).StatusCode);
        await Expect(seen).ToHaveTextAsync("Seen by everyone");

        // A fresh page has it from the read markers.
        var annAgain = await SignInAsync(ann);
        await OpenConversationAsync(annAgain, groupName);
        await Expect(annAgain.GetByTestId("seen-by")).ToHaveTextAsync("Seen by everyone");

        // A new message: Ben, who has the group open, has seen it; Cat has not yet.
        await ann.SendMessageAsync(new { groupId, content = "And bring the numbers" });
        await Expect(annAgain.Locator("#messages").GetByTestId("message")).ToHaveCountAsync(2);
        await Expect(benPage.Locator("#messages").GetByTestId("message")).ToHaveCountAsync(2);
        await Expect(annAgain.GetByTestId("seen-by")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Seen by [^,]+$"));
    }

    [Fact]
    public async Task ALinkInAMessageGetsAPreviewCardWithThePagesTextOnly()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        await using var pages = await Links.PageServer.StartAsync();
        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "Send me the article" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, ben.Username);
        await OpenConversationAsync(benPage, ann.Username);

        var article = pages.Url("/article/launch");
        var scripted = pages.Url("/scripted");
        await annPage.GetByLabel("Message", Exact).FillAsync($"Here: {article} and {scripted}");
        await annPage.GetByLabel("Message", Exact).PressAsync("Enter");

        // The cards arrive after the send (messageUpdated), for both sides.
        var cards = benPage.Locator("#messages").GetByTestId("message").Last.GetByTestId("link-card");
        await Expect(cards).ToHaveCountAsync(2);
        await Expect(cards.First.Locator(".link-title")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"The\s+launch\s+story"));
        await Expect(cards.First.Locator(".link-site")).ToHaveTextAsync("Example News");
        await Expect(cards.First.Locator(".link-description")).ToHaveTextAsync("All about launch.");
        await Expect(cards.First).ToHaveAttributeAsync("href", article);
        await Expect(cards.First).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
        // The page's script never ran: the title is the one in its markup.
        await Expect(cards.Nth(1).Locator(".link-title")).ToHaveTextAsync("Real title");
        await Expect(cards.Locator("img")).ToHaveCountAsync(0);
        await Expect(annPage.Locator("#messages").GetByTestId("message").Last.GetByTestId("link-card")).ToHaveCountAsync(2);

        // Images only from this API's signed URLs, never an address a page named.
        var origin = Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        var verdicts = await benPage.EvaluateAsync<bool[]>(
            "async (origin) => { const m = await import('/js/views/previews.js'); return [m.isOurImage(origin + '/api/files/x?sig=1'), m.isOurImage('https://evil.example/a.png'), m.isOurImage('javascript:alert(1)'), m.isOurImage(null)]; }",
            origin);
        Assert.Equal([true, false, false, false], verdicts);
        await SaveScreenshotAsync(benPage, "desktop-link-preview.png");
    }

    [Fact]
    public async Task AVoiceMessageIsRecordedSentAsAnAudioAttachmentAndPlaysInline()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        await ben.SendMessageAsync(new { receiverId = ann.UserId, content = "Tell me by voice" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, ben.Username);
        await OpenConversationAsync(benPage, ann.Username);

        // The fake microphone records until Stop; the recording goes to the files to send.
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Record a voice message" }).ClickAsync();
        await Expect(annPage.GetByTestId("record-status")).ToHaveTextAsync("Recording 0:01");
        await annPage.GetByRole(AriaRole.Button, new() { Name = "Stop recording and add the voice message" }).ClickAsync();
        await Expect(annPage.GetByTestId("record-status")).ToBeHiddenAsync();
        var upload = annPage.GetByTestId("upload");
        await Expect(upload).ToContainTextAsync("voice-message-");
        await Expect(upload.Locator("progress")).ToHaveJSPropertyAsync("value", 1);
        await annPage.GetByLabel("Message", Exact).PressAsync("Enter");

        // Ben gets a player that has loaded the recording's metadata from its signed URL.
        var player = benPage.Locator("#messages").GetByTestId("message").Last.GetByTestId("voice-player");
        await Expect(player).ToHaveCountAsync(1);
        await player.EvaluateAsync("a => a.readyState >= 1 ? null : new Promise((ok, fail) => { a.addEventListener('loadedmetadata', ok, { once: true }); a.addEventListener('error', () => fail(new Error('audio error ' + (a.error && a.error.code))), { once: true }); })");
        Assert.True(await player.EvaluateAsync<bool>("a => !a.error && a.readyState >= 1"));
        await Expect(annPage.Locator("#messages").GetByTestId("message").Last.GetByTestId("voice-player")).ToHaveCountAsync(1);
    }
}
