using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>System messages in the web client (issue 28, must-have 7): group changes and call records as centred notices.</summary>
public sealed partial class WebClientInChromium
{
    [Fact]
    public async Task AGroupShowsItsChangesAsNoticesLiveAndInTheListWithoutUnreadCounts()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        var cat = await ChatApiClient.RegisterAsync(Host.Client, "cat");
        // Bob knows Cat's name from a conversation of their own, so the notice can name her.
        await cat.SendMessageAsync(new { receiverId = bob.UserId, content = "hi Bob" });
        await bob.SendMessageAsync(new { receiverId = cat.UserId, content = "hi Cat" });
        var name = "Book club " + ann.Username[^5..];
        var groupId = (string)(await ann.CreateGroupAsync(name, bob.UserId))["id"]!;
        await ann.SendMessageAsync(new { groupId, content = "Welcome!" });

        var bobPage = await SignInAsync(bob);
        var group = bobPage.GetByTestId("conversation").Filter(new() { HasText = name });
        await group.ClickAsync();
        var notices = bobPage.GetByTestId("notice");
        await Expect(notices).ToHaveCountAsync(1);
        await Expect(notices.First).ToContainTextAsync($"created the group \"{name}\"");

        // Changes made elsewhere arrive live, in order, between the messages.
        var renamed = name + " II";
        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { name = renamed }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await ann.PutAsync($"api/groups/{groupId}/members", new { add = new[] { cat.UserId } }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { frozen = true }), HttpStatusCode.OK);
        await Expect(notices).ToHaveCountAsync(4);
        await Expect(notices.Nth(1)).ToContainTextAsync($"renamed the group to \"{renamed}\"");
        await Expect(notices.Nth(2)).ToContainTextAsync(new Regex($"added {Regex.Escape(cat.Username)}"));
        await Expect(notices.Nth(3)).ToContainTextAsync("froze the group");
        await Expect(bobPage.GetByTestId("message")).ToHaveCountAsync(1);
        await SaveScreenshotAsync(bobPage, "desktop-group-notices.png");

        // Another conversation open: the list previews the latest notice, and notices add nothing to the unread count.
        await bobPage.GetByTestId("conversation").Filter(new() { HasText = cat.Username }).ClickAsync();
        await ChatApiClient.ReadAsync(await ann.PatchAsync($"api/groups/{groupId}", new { frozen = false }), HttpStatusCode.OK);
        var listed = bobPage.GetByTestId("conversation").Filter(new() { HasText = renamed });
        await Expect(listed.Locator(".conversation-preview")).ToContainTextAsync("unfroze the group");
        await Expect(listed.Locator(".badge")).ToHaveCountAsync(0);

        // A call that nobody answered leaves "Missed call" in the direct conversation, live and in the list.
        await cat.PostAsync("api/calls/signal", new { toUserId = bob.UserId, callId = "notice-call-1", type = "offer", payload = new { sdp = "v=0", kind = "audio" } });
        await cat.PostAsync("api/calls/signal", new { toUserId = bob.UserId, callId = "notice-call-1", type = "hangup", payload = new { reason = "missed" } });
        await Expect(bobPage.GetByTestId("notice").Filter(new() { HasText = "Missed call" })).ToHaveCountAsync(1);
        await Expect(bobPage.GetByTestId("conversation").Filter(new() { HasText = cat.Username }).Locator(".conversation-preview")).ToHaveTextAsync("Missed call");
        await SaveScreenshotAsync(bobPage, "desktop-missed-call.png");
    }
}
