using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Attachments;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Account;

[Collection(SharedHostCollection.Name)]
public sealed class AccountExportTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    /// <summary>Reads the export until it is no longer running (the job is in the background).</summary>
    private static async Task<JsonNode> WaitUntilDoneAsync(ChatApiClient user, string id)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var export = await ChatApiClient.ReadAsync(await user.GetAsync($"api/users/me/export/{id}"), HttpStatusCode.OK);
            if ((string)export["status"]! != "running")
            {
                return export;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    [Fact]
    public async Task AUserWithAttachmentsExportsAZipHoldingItsAccountItsMessagesAndTheFilesItUploaded()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "exp"), await ChatApiClient.RegisterAsync(Http, "exp"));
        // A PDF as its signature says, with random bytes behind it so the archive cannot pass by luck.
        var noise = new byte[300_000];
        Random.Shared.NextBytes(noise);
        byte[] bytes = [.. TestFiles.Pdf(), .. noise];
        var attachmentId = await Uploads.UploadAsync(alice, "report.pdf", "application/pdf", bytes);
        var withFile = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "the file", attachmentIds = new[] { attachmentId } }))["id"]!;
        var groupId = (string)(await alice.CreateGroupAsync("export", bob.UserId))["id"]!;
        var inGroup = (string)(await alice.SendMessageAsync(new { groupId, content = "in the group" }))["id"]!;
        var deleted = (string)(await alice.SendMessageAsync(new { groupId, content = "gone" }))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{deleted}")).StatusCode);
        var fromBob = (string)(await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "not hers" }))["id"]!;

        var started = await ChatApiClient.ReadAsync(await alice.PostAsync("api/users/me/export", null), HttpStatusCode.Accepted);
        var id = (string)started["id"]!;
        Assert.Equal("running", (string)started["status"]!);

        // One a day; nobody else sees it.
        var limited = await alice.PostAsync("api/users/me/export", null);
        await ChatApiClient.ReadProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync($"api/users/me/export/{id}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/users/me/export/0123456789abcdef01234567"), HttpStatusCode.NotFound);

        var ready = await WaitUntilDoneAsync(alice, id);
        Assert.Equal("ready", (string)ready["status"]!);
        Assert.True(DateTimeOffset.Parse((string)ready["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) <= DateTimeOffset.UtcNow.AddMinutes(16));

        // The link needs no token, and is signed: a changed one is refused.
        var url = (string)ready["url"]!;
        Assert.Equal(HttpStatusCode.Forbidden, (await Uploads.GetAsync(new HttpClient { BaseAddress = fixture.Host.BaseAddress }, url.Replace("exp=", "exp=1", StringComparison.Ordinal))).StatusCode);
        using var plain = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        var download = await Uploads.GetAsync(plain, url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        await using var zipStream = await download.Content.ReadAsStreamAsync();
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);

        var account = JsonNode.Parse(await ReadTextAsync(zip, "account.json"))!;
        Assert.Equal((alice.UserId, alice.Email), ((string)account["user"]!["id"]!, (string)account["user"]!["email"]!));
        Assert.NotEmpty(account["sessions"]!.AsArray());

        var lines = (await ReadTextAsync(zip, "messages.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(new[] { withFile, inGroup }.Order(StringComparer.Ordinal), lines.Select(l => (string)l["id"]!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(lines, l => (string)l["id"]! == fromBob || (string)l["id"]! == deleted);
        Assert.Equal("in the group", (string)lines.Single(l => (string)l["id"]! == inGroup)["content"]!);
        Assert.Equal(attachmentId, (string)lines.Single(l => (string)l["id"]! == withFile)["attachments"]![0]!["id"]!);

        var file = Assert.Single(zip.Entries, e => e.FullName.StartsWith("attachments/", StringComparison.Ordinal));
        Assert.StartsWith($"attachments/{attachmentId}/", file.FullName, StringComparison.Ordinal);
        Assert.DoesNotContain("..", file.FullName.Split('/'));
        await using var content = file.Open();
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    private static async Task<string> ReadTextAsync(ZipArchive zip, string name)
    {
        await using var entry = zip.GetEntry(name)!.Open();
        using var reader = new StreamReader(entry);
        return await reader.ReadToEndAsync();
    }
}
