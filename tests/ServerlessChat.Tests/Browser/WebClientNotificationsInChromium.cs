using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>
/// Notifications in the web client: the per-conversation mute, the on/off switch, and the service worker showing a
/// push. Chromium here cannot reach its vendor's push service, so a push is handed to the worker through the
/// DevTools protocol (<c>ServiceWorker.deliverPushMessage</c>), the way DevTools' own "Push" button does.
/// </summary>
public sealed partial class WebClientInChromium
{
    private static async Task<string[]> MutedAsync(ChatApiClient user) =>
        [.. (await ChatApiClient.ReadAsync(await user.GetAsync("api/push/mutes"), HttpStatusCode.OK))["conversationIds"]!.AsArray().Select(n => (string)n!)];

    [Fact]
    public async Task MutingAConversationIsKeptByTheServerAndStillShownAfterAReload()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var conversationId = (string)(await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "Mute me if you like" }))["conversationId"]!;
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(benPage, ann.Username);

        var mute = benPage.GetByRole(AriaRole.Button, new() { Name = $"Mute notifications from {ann.Username}" });
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "false");
        await mute.ClickAsync();
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Equal([conversationId], await MutedAsync(ben));
        await SaveScreenshotAsync(benPage, "desktop-muted-conversation.png");
        Assert.Empty(await MutedAsync(ann));

        await benPage.ReloadAsync();
        await Expect(benPage.GetByTestId("me")).ToContainTextAsync("@" + ben.Username);
        await OpenConversationAsync(benPage, ann.Username);
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "true");

        // From the keyboard: Space on the focused button unmutes.
        await mute.FocusAsync();
        await benPage.Keyboard.PressAsync("Space");
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.Empty(await MutedAsync(ben));
    }

    [Fact]
    public async Task TheServiceWorkerShowsEachPushAsOneTextNotificationPerConversation()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var worker = await Host.Client.GetAsync("sw.js");
        Assert.Equal(HttpStatusCode.OK, worker.StatusCode);
        Assert.Equal("text/javascript", worker.Content.Headers.ContentType?.MediaType);

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var sent = await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "Lunch?" });
        // A profile of its own: Chromium has no Push API in incognito contexts.
        var profile = Directory.CreateTempSubdirectory("serverlesschat-chromium-profile-");
        var browser = await Chromium.LaunchWithProfileAsync(fixture.Playwright, profile.FullName);
        try
        {
            var benPage = await SignInAsync(ben, context: browser);

            // The switch, from the keyboard. Subscribing needs the browser vendor's push service, which Chromium cannot
            // reach here: then the page says so and the switch stays off. Where it can, the switch turns on.
            var setting = benPage.GetByRole(AriaRole.Switch, new() { Name = "Notifications on this device" });
            await Expect(setting).Not.ToBeCheckedAsync();
            await setting.FocusAsync();
            await benPage.Keyboard.PressAsync("Space");
            var status = benPage.Locator("#notifications-status");
            await Expect(status).ToHaveTextAsync(new Regex("^(Notifications are on for this device\\.|Notifications could not be turned on: this browser could not subscribe at its push service.*)$"), new() { Timeout = 30_000 });
            var subscribed = (await status.TextContentAsync())!.StartsWith("Notifications are on", StringComparison.Ordinal);
            output.WriteLine($"pushManager.subscribe in this Chromium: {(subscribed ? "succeeded" : await status.TextContentAsync())}");
            if (subscribed)
            {
                await Expect(setting).ToBeCheckedAsync();
            }
            else
            {
                await Expect(setting).Not.ToBeCheckedAsync();
                await Expect(status).ToHaveAttributeAsync("data-kind", "error");
            }

            // Either way the worker is registered for the whole app.
            var scope = await benPage.EvaluateAsync<string>("async () => (await navigator.serviceWorker.ready).scope");
            Assert.Equal(Host.BaseAddress.GetLeftPart(UriPartial.Authority) + "/", scope);

            var cdp = await benPage.Context.NewCDPSessionAsync(benPage);
            var registration = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            cdp.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, update) =>
            {
                foreach (var r in update!.Value.GetProperty("registrations").EnumerateArray())
                {
                    if (r.GetProperty("scopeURL").GetString() == scope && !r.GetProperty("isDeleted").GetBoolean())
                    {
                        registration.TrySetResult(r.GetProperty("registrationId").GetString()!);
                    }
                }
            };
            await cdp.SendAsync("ServiceWorker.enable");
            var registrationId = await registration.Task.WaitAsync(TimeSpan.FromSeconds(30));

            async Task<JsonElement> PushAsync(JsonObject payload, string expectedBody)
            {
                await cdp.SendAsync("ServiceWorker.deliverPushMessage", new()
                {
                    ["origin"] = Host.BaseAddress.GetLeftPart(UriPartial.Authority),
                    ["registrationId"] = registrationId,
                    ["data"] = payload.ToJsonString(),
                });
                var shown = await benPage.WaitForFunctionAsync(
                    """
                    async (body) => {
                      const list = await (await navigator.serviceWorker.ready).getNotifications();
                      return list.some((n) => n.body === body)
                        && list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, conversationId: n.data && n.data.conversationId }));
                    }
                    """,
                    expectedBody,
                    new() { Timeout = 30_000 });
                return await shown.JsonValueAsync<JsonElement>();
            }

            // The payload the server sends (API.md "Push notifications"); the title and body are text, markup and all.
            var conversationId = (string)sent["conversationId"]!;
            var first = await PushAsync(new JsonObject
            {
                ["type"] = "newMessage",
                ["conversationId"] = conversationId,
                ["messageId"] = (string)sent["id"]!,
                ["senderId"] = ann.UserId,
                ["senderName"] = "Ann <b>the admin</b>",
                ["preview"] = "Lunch at <i>noon</i>?",
            }, "Lunch at <i>noon</i>?");
            var shownFirst = Assert.Single(first.EnumerateArray());
            Assert.Equal("Ann <b>the admin</b>", shownFirst.GetProperty("title").GetString());
            Assert.Equal(conversationId, shownFirst.GetProperty("tag").GetString());
            Assert.Equal(conversationId, shownFirst.GetProperty("conversationId").GetString());

            // Without a preview (Push:IncludePreview off) it says who wrote; the same conversation replaces its notification.
            var second = await PushAsync(new JsonObject
            {
                ["type"] = "newMessage",
                ["conversationId"] = conversationId,
                ["messageId"] = (string)sent["id"]!,
                ["senderId"] = ann.UserId,
                ["senderName"] = ann.Username,
            }, $"New message from {ann.Username}");
            var shownSecond = Assert.Single(second.EnumerateArray());
            Assert.Equal(ann.Username, shownSecond.GetProperty("title").GetString());
        }
        finally
        {
            await browser.DisposeAsync();
            profile.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheAddressANotificationOpensShowsItsConversation()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var conversationId = (string)(await ann.SendMessageAsync(new { receiverId = ben.UserId, content = "Open me from the notification" }))["conversationId"]!;
        var benPage = await SignInAsync(ben);
        await Expect(benPage.Locator("#conversation-pane")).ToBeHiddenAsync();

        // What the worker's notificationclick opens when no window of the app is open.
        await benPage.GotoAsync($"{Host.BaseAddress}?conversation={Uri.EscapeDataString(conversationId)}");

        await Expect(benPage.Locator("#conversation-title")).ToHaveTextAsync(ann.Username);
        await Expect(benPage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("Open me from the notification");
        Assert.DoesNotContain("conversation=", benPage.Url, StringComparison.Ordinal);
    }
}
