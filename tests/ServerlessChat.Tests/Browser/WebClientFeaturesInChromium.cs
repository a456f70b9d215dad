using Microsoft.Playwright;
using ServerlessChat.Tests.Infrastructure;
using SkiaSharp;
using static Microsoft.Playwright.Assertions;

namespace ServerlessChat.Tests.Browser;

/// <summary>The web client's photo attachments, message search and blocking, with two users registered through the API.</summary>
public sealed partial class WebClientInChromium
{
    [Fact]
    public async Task APhotoAliceSendsAppearsLiveAsAThumbnailForBobAndOpensFullSize()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "A photo of the deploy board follows" });
        var alicePage = await SignInAsync(alice);
        var bobPage = await SignInAsync(bob);
        await OpenConversationAsync(alicePage, bob.Username);
        await OpenConversationAsync(bobPage, alice.Username);

        // Picked with the attach button's file input; the upload bar fills, then an empty-text send carries it.
        await alicePage.Locator("#file-input").SetInputFilesAsync(new FilePayload { Name = "board.png", MimeType = "image/png", Buffer = Png(600, 400) });
        var upload = alicePage.GetByTestId("upload");
        await Expect(upload.Locator("progress")).ToHaveJSPropertyAsync("value", 1);
        await alicePage.GetByLabel("Message", Exact).PressAsync("Enter");
        await Expect(upload).ToHaveCountAsync(0);
        // A photo without text reads as one in the list, not as an empty "You:".
        await Expect(alicePage.GetByTestId("conversation").Filter(new() { HasText = bob.Username }).Locator(".conversation-preview")).ToHaveTextAsync("You: 📷 Photo");

        // Bob, who only watches, gets the thumbnail once processing is done (messageUpdated), 320 px on the long side.
        var bobMessage = bobPage.GetByTestId("message").Last;
        var thumbnail = bobMessage.GetByTestId("attachment-image").Locator("img");
        await Expect(thumbnail).ToHaveJSPropertyAsync("naturalWidth", 320);
        await Expect(bobMessage.GetByTestId("attachment-processing")).ToHaveCountAsync(0);
        await Expect(bobPage.GetByTestId("message")).ToHaveCountAsync(2);

        await bobMessage.GetByTestId("attachment-image").ClickAsync();
        var full = bobPage.Locator("#image-dialog img");
        await Expect(full).ToBeVisibleAsync();
        await Expect(full).ToHaveJSPropertyAsync("naturalWidth", 600);
        await Expect(full).ToHaveJSPropertyAsync("naturalHeight", 400);
        await bobPage.Locator("#image-dialog").GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        // Reactions on the photo, for the screenshots.
        await bobMessage.GetByRole(AriaRole.Button, new() { Name = "Add reaction" }).ClickAsync();
        await bobMessage.GetByLabel("React with 👍").ClickAsync();
        await Expect(bobMessage.GetByTestId("reaction")).ToHaveCountAsync(1);
        await bobMessage.GetByRole(AriaRole.Button, new() { Name = "Add reaction" }).ClickAsync();
        await bobMessage.GetByLabel("React with 🎉").ClickAsync();
        await Expect(alicePage.GetByTestId("message").Last.GetByTestId("reaction")).ToHaveCountAsync(2);
        await SaveScreenshotAsync(bobPage, "desktop-image-reactions.png");
        var narrow = await SignInAsync(bob, width: 375, height: 740);
        await OpenConversationAsync(narrow, alice.Username);
        await Expect(narrow.GetByTestId("message").Last.GetByTestId("attachment-image").Locator("img")).ToHaveJSPropertyAsync("naturalWidth", 320);
        await SaveScreenshotAsync(narrow, "narrow-image-reactions.png");
    }

    [Fact]
    public async Task AFileTypeNotAllowedSaysWhyAndAnAllowedFileArrivesAsANamedDownloadChip()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "Notes follow" });
        var alicePage = await SignInAsync(alice);
        var bobPage = await SignInAsync(bob);
        await OpenConversationAsync(alicePage, bob.Username);
        await OpenConversationAsync(bobPage, alice.Username);

        var files = alicePage.Locator("#file-input");
        await files.SetInputFilesAsync(new FilePayload { Name = "logo.svg", MimeType = "image/svg+xml", Buffer = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"u8.ToArray() });
        var refused = alicePage.GetByTestId("upload").Filter(new() { HasText = "logo.svg" });
        await Expect(refused.GetByRole(AriaRole.Alert)).ToContainTextAsync("Upload failed:");
        await refused.GetByRole(AriaRole.Button, new() { Name = "Remove logo.svg" }).ClickAsync();

        var notes = "Deploy checklist\n1. build\n2. ship\n"u8.ToArray();
        await files.SetInputFilesAsync(new FilePayload { Name = "checklist.txt", MimeType = "text/plain", Buffer = notes });
        await Expect(alicePage.GetByTestId("upload").Locator("progress")).ToHaveJSPropertyAsync("value", 1);
        await alicePage.GetByLabel("Message", Exact).FillAsync("The checklist");
        await alicePage.GetByLabel("Message", Exact).PressAsync("Enter");

        var chip = bobPage.GetByTestId("message").Last.GetByTestId("attachment-file");
        await Expect(chip.Locator(".file-name")).ToHaveTextAsync("checklist.txt");
        await Expect(chip.Locator(".file-size")).ToHaveTextAsync($"Text · {notes.Length} B");
        await Expect(chip).ToHaveAttributeAsync("aria-label", $"Download checklist.txt, Text, {notes.Length} B");
        await Expect(chip).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^http://"));
        var download = await bobPage.RunAndWaitForDownloadAsync(() => chip.ClickAsync());
        Assert.Equal("checklist.txt", download.SuggestedFilename);
    }

    [Fact]
    public async Task SearchFindsAnOlderMessageWithItsWordsMarkedAndOpensTheConversationAtIt()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var word = "Zebra" + Guid.NewGuid().ToString("N")[..6];
        var target = await ben.SendMessageAsync(new { receiverId = ann.UserId, content = $"The {word}Deployment <b>starts</b> at noon" });
        // More than one page after it: opening at it has to load older messages.
        for (var i = 1; i <= 52; i++)
        {
            await ben.SendMessageAsync(new { receiverId = ann.UserId, content = $"filler {i}" });
        }

        var annPage = await SignInAsync(ann);
        await annPage.GetByLabel("Search messages").FillAsync(word.ToLowerInvariant() + " noon");
        var result = annPage.GetByTestId("message-search-result");
        await Expect(result).ToHaveCountAsync(1);
        await Expect(result).ToContainTextAsync($"The {word}Deployment <b>starts</b> at noon");
        await Expect(result.Locator("mark")).ToHaveTextAsync([$"{word}Deployment", "noon"]);
        await Expect(result.Locator("b")).ToHaveCountAsync(0);

        await result.ClickAsync();
        await Expect(annPage.Locator("#conversation-title")).ToHaveTextAsync(ben.Username);
        var opened = annPage.Locator($"#messages [data-message-id=\"{(string)target["id"]!}\"]");
        await Expect(opened).ToHaveAttributeAsync("data-highlighted", "true");
        await Expect(opened).ToBeInViewportAsync();
    }

    [Fact]
    public async Task AfterAliceBlocksBobHisDirectMessageIsRefusedWithTheReason()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var alice = await ChatApiClient.RegisterAsync(Host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(Host.Client, "bob");
        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "Can we talk?" });
        var alicePage = await SignInAsync(alice);
        var bobPage = await SignInAsync(bob);
        await OpenConversationAsync(alicePage, bob.Username);
        await OpenConversationAsync(bobPage, alice.Username);

        var block = alicePage.Locator("#block-button");
        await Expect(block).ToHaveTextAsync("Block");
        // Blocking asks first; Cancel leaves Bob unblocked.
        var confirm = alicePage.Locator("#confirm-dialog");
        await block.ClickAsync();
        await Expect(confirm).ToContainTextAsync($"Block {bob.Username}?");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(confirm).Not.ToBeVisibleAsync();
        await Expect(block).ToHaveTextAsync("Block");
        await Expect(alicePage.Locator("#blocked-note")).ToBeHiddenAsync();
        await block.ClickAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Block" }).ClickAsync();
        await Expect(block).ToHaveTextAsync("Unblock");
        await Expect(block).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(alicePage.Locator("#blocked-note")).ToContainTextAsync("You blocked");

        var bobInput = bobPage.GetByLabel("Message", Exact);
        await bobInput.FillAsync("Please answer");
        await bobInput.PressAsync("Enter");
        var refused = bobPage.GetByTestId("message").Last.Locator(".status.failed");
        await Expect(refused).ToContainTextAsync("Not sent:");
        await Expect(refused).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"Not sent: The request failed \(403\)"));
        await Expect(alicePage.GetByTestId("message")).ToHaveCountAsync(1);

        // Still blocked after a reload (GET /api/users/blocked); unblocking lets the retry through.
        await alicePage.ReloadAsync();
        await OpenConversationAsync(alicePage, bob.Username);
        await Expect(block).ToHaveTextAsync("Unblock");
        await block.ClickAsync();
        await Expect(block).ToHaveTextAsync("Block");
        await Expect(alicePage.Locator("#blocked-note")).ToBeHiddenAsync();
        await bobPage.GetByTestId("message").Last.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Expect(alicePage.GetByTestId("message").Last.Locator(".content")).ToHaveTextAsync("Please answer");
    }

    [Fact]
    public async Task AReplyPicksAMentionFromTheGroupAndTheMentionedMemberSeesBadgeHighlightAndQuote()
    {
        if (!Chromium.Available(output))
        {
            return;
        }

        var ann = await ChatApiClient.RegisterAsync(Host.Client, "ann");
        var ben = await ChatApiClient.RegisterAsync(Host.Client, "ben");
        var group = await ann.CreateGroupAsync("Release crew", ben.UserId);
        var groupId = (string)group["id"]!;
        var original = await ben.SendMessageAsync(new { groupId, content = "Who takes the release today?" });
        var annPage = await SignInAsync(ann);
        var benPage = await SignInAsync(ben);
        await OpenConversationAsync(annPage, "Release crew");

        // Reply to Ben's message and mention him through the autocomplete (Ann's client had never seen his name).
        await annPage.GetByTestId("message").Last.GetByRole(AriaRole.Button, new() { Name = "Reply to this message" }).ClickAsync();
        await Expect(annPage.GetByTestId("reply-preview")).ToContainTextAsync("Who takes the release today?");
        var input = annPage.GetByLabel("Message", Exact);
        await input.PressSequentiallyAsync("@" + ben.Username[..5]);
        var suggestion = annPage.GetByTestId("mention-suggestion").Filter(new() { HasText = "@" + ben.Username });
        await Expect(suggestion).ToHaveCountAsync(1);
        await input.PressAsync("Enter");
        await Expect(input).ToHaveValueAsync($"@{ben.Username} ");
        await input.PressSequentiallyAsync("can you?");
        await input.PressAsync("Enter");
        await Expect(annPage.GetByTestId("reply-preview")).ToBeHiddenAsync();

        // Ben, on his list, gets the unread mention count live; opened, the mention is marked and the quote jumps back.
        var benGroup = benPage.GetByTestId("conversation").Filter(new() { HasText = "Release crew" });
        await Expect(benGroup.GetByTestId("mention-badge")).ToHaveTextAsync("@1");
        await benGroup.ClickAsync();
        var reply = benPage.GetByTestId("message").Last;
        await Expect(reply.GetByTestId("mention")).ToHaveTextAsync("@" + ben.Username);
        await Expect(reply.GetByTestId("reply-quote")).ToContainTextAsync("Who takes the release today?");
        await Expect(benGroup.GetByTestId("mention-badge")).ToHaveCountAsync(0);
        await reply.GetByTestId("reply-quote").ClickAsync();
        await Expect(benPage.Locator($"#messages [data-message-id=\"{(string)original["id"]!}\"]")).ToHaveAttributeAsync("data-highlighted", "true");
    }

    /// <summary>A PNG of a colour gradient, made here so the test owns its image.</summary>
    private static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint())
        {
            paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                [new SKColor(0x2f, 0x6f, 0xde), new SKColor(0xf5, 0x9e, 0x0b)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, width, height, paint);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
