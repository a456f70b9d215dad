using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Attachments;

[Collection(SharedHostCollection.Name)]
public sealed class AttachmentsApiTests(SharedHostFixture fixture) : IDisposable
{
    private const long MaxBytes = 25 * 1024 * 1024;

    private readonly HttpClient _http = fixture.Host.Client;

    // The API's download route answers with a redirect; this client shows it instead of following it.
    private readonly HttpClient _noRedirects = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.BaseAddress };

    public void Dispose() => _noRedirects.Dispose();

    [Fact]
    public async Task AFileSentWithAMessageComesWithASignedUrlThatServesItsBytesAsADownload()
    {
        var (alice, bob) = await PairAsync();
        var pdf = TestFiles.Pdf();
        var id = await Uploads.UploadAsync(alice, "report.pdf", "application/pdf", pdf);

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "", attachmentIds = new[] { id } });

        Assert.Equal("", (string)message["content"]!);
        var attachment = Assert.Single(message["attachments"]!.AsArray())!;
        Assert.Equal(id, (string)attachment["id"]!);
        Assert.Equal("report.pdf", (string)attachment["fileName"]!);
        Assert.Equal("application/pdf", (string)attachment["contentType"]!);
        Assert.Equal(pdf.Length, (long)attachment["size"]!);
        Assert.False((bool)attachment["processing"]!);
        Assert.Null(attachment["thumbnailUrl"]);

        var download = await Uploads.GetAsync(_http, (string)attachment["url"]!);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());

        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        var seen = Assert.Single(history["items"]!.AsArray()[0]!["attachments"]!.AsArray())!;
        Assert.Equal(id, (string)seen["id"]!);
        Assert.False(string.IsNullOrEmpty((string?)seen["url"]));
        var conversations = await ChatApiClient.ReadAsync(await bob.GetAsync("api/conversations"), HttpStatusCode.OK);
        Assert.Equal(id, (string)conversations["items"]![0]!["lastMessage"]!["attachments"]![0]!["id"]!);
    }

    [Fact]
    public async Task MessagesWithoutAttachmentsCarryAnEmptyList()
    {
        var (alice, bob) = await PairAsync();

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "plain" });

        Assert.Empty(message["attachments"]!.AsArray());
    }

    [Fact]
    public async Task PlainTextIsServedInlineWithNosniff()
    {
        var (alice, bob) = await PairAsync();
        var text = TestFiles.Text("line one\nline two <script>alert(1)</script>\n");
        var id = await Uploads.UploadAsync(alice, "notes.txt", "text/plain", text);

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "notes", attachmentIds = new[] { id } });

        var download = await Uploads.GetAsync(_http, (string)message["attachments"]![0]!["url"]!);
        Assert.Equal(text, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task ContentMayBeEmptyOnlyWhenTheMessageCarriesAttachments()
    {
        var (alice, bob) = await PairAsync();

        var problem = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "" }), HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["content"]);
    }

    [Fact]
    public async Task ASlotForATypeNotAllowedIsRefusedAndSoIsASizeOverTheLimitButTheLimitItselfIsAllowed()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "att");

        var svg = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "x.svg", contentType = "image/svg+xml", size = 100 }), HttpStatusCode.BadRequest);
        Assert.NotNull(svg["errors"]!["contentType"]);
        var html = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "x.html", contentType = "text/html", size = 100 }), HttpStatusCode.BadRequest);
        Assert.NotNull(html["errors"]!["contentType"]);
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "big.zip", contentType = "application/zip", size = MaxBytes + 1 }), HttpStatusCode.RequestEntityTooLarge);
        var zero = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "empty.zip", contentType = "application/zip", size = 0 }), HttpStatusCode.BadRequest);
        Assert.NotNull(zero["errors"]!["size"]);
        var path = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "../../etc/passwd", contentType = "text/plain", size = 10 }), HttpStatusCode.BadRequest);
        Assert.NotNull(path["errors"]!["fileName"]);

        var slot = await Uploads.SlotAsync(alice, "big.zip", "application/zip", MaxBytes);
        Assert.Matches("^[0-9a-f]{24}$", (string)slot["id"]!);
        Assert.Equal("PUT", (string)slot["uploadMethod"]!);
        Assert.Equal("application/zip", (string)slot["uploadHeaders"]!["Content-Type"]!);
        var expiresIn = (DateTimeOffset)slot["expiresAt"]! - DateTimeOffset.UtcNow;
        Assert.InRange(expiresIn, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task AnExecutableRenamedPngIsRefusedAtSendNamingAttachmentIds()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "cute-cat.png", "image/png", TestFiles.Elf());

        var problem = await SendProblemAsync(alice, bob, [id]);

        Assert.Contains("application/x-executable", (string)problem["errors"]!["attachmentIds"]![0]!);
        await AssertNoMessagesAsync(alice, bob);
    }

    [Fact]
    public async Task AFileWhoseBytesDifferFromItsDeclaredTypeIsRefusedAtSend()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "photo.jpg", "image/jpeg", TestFiles.Png(20, 20));

        var problem = await SendProblemAsync(alice, bob, [id]);

        Assert.Contains("image/png", (string)problem["errors"]!["attachmentIds"]![0]!);
    }

    [Fact]
    public async Task AnSvgWithAScriptDeclaredAsTextIsRefusedAtSend()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "drawing.txt", "text/plain", TestFiles.SvgWithScript());

        var problem = await SendProblemAsync(alice, bob, [id]);

        Assert.Contains("image/svg+xml", (string)problem["errors"]!["attachmentIds"]![0]!);
    }

    [Fact]
    public async Task AnUploadLargerThanDeclaredIsRefusedWhileStreamingAndCannotBeSent()
    {
        var (alice, bob) = await PairAsync();
        var slot = await Uploads.SlotAsync(alice, "notes.txt", "text/plain", 100);

        var upload = await Uploads.PutAsync(_http, slot, TestFiles.Text(new string('a', 5000)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, upload.StatusCode);
        var problem = await SendProblemAsync(alice, bob, [(string)slot["id"]!]);
        Assert.Contains("not uploaded", (string)problem["errors"]!["attachmentIds"]![0]!);
    }

    [Fact]
    public async Task AnUploadSmallerThanDeclaredIsRefusedAtSend()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "notes.txt", "text/plain", TestFiles.Text("short"), declaredSize: 500);

        var problem = await SendProblemAsync(alice, bob, [id]);

        Assert.Contains("500 declared", (string)problem["errors"]!["attachmentIds"]![0]!);
    }

    [Fact]
    public async Task AnUploadUrlTakesOneUploadAndATamperedOneNone()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "att");
        var slot = await Uploads.SlotAsync(alice, "a.txt", "text/plain", 5);
        var tampered = JsonNode.Parse(slot.ToJsonString())!;
        tampered["uploadUrl"] = ((string)slot["uploadUrl"]!).Replace("size=5", "size=50000", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await Uploads.PutAsync(_http, tampered, TestFiles.Text("hello"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Uploads.PutAsync(_http, slot, TestFiles.Text("hello"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Uploads.PutAsync(_http, slot, TestFiles.Text("bye!!"))).StatusCode);
    }

    [Fact]
    public async Task AnUploadUrlStaysSpentAfterItsAttachmentIsSent()
    {
        var (alice, bob) = await PairAsync();
        var slot = await Uploads.SlotAsync(alice, "once.txt", "text/plain", 5);
        Assert.Equal(HttpStatusCode.Created, (await Uploads.PutAsync(_http, slot, TestFiles.Text("hello"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Uploads.PutAsync(_http, slot, TestFiles.Text("bye!!"))).StatusCode);

        // The send moves the bytes out of uploads/; the URL, still within its lifetime, must not take them again.
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "sent", attachmentIds = new[] { (string)slot["id"]! } });

        Assert.Equal(HttpStatusCode.Conflict, (await Uploads.PutAsync(_http, slot, TestFiles.Text("again"))).StatusCode);
    }

    [Fact]
    public async Task ElevenAttachmentsAreRefusedAndTenAreTaken()
    {
        var (alice, bob) = await PairAsync();
        var ids = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            ids.Add(await Uploads.UploadAsync(alice, $"n{i}.txt", "text/plain", TestFiles.Text($"note {i}")));
        }

        var problem = await SendProblemAsync(alice, bob, ids);
        Assert.NotNull(problem["errors"]!["attachmentIds"]);

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "ten", attachmentIds = ids.Take(10) });
        Assert.Equal(ids.Take(10), message["attachments"]!.AsArray().Select(a => (string)a!["id"]!));
    }

    [Fact]
    public async Task SomeoneElsesUploadCannotBeSent()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(bob, "bobs.txt", "text/plain", TestFiles.Text("bob's"));

        var problem = await SendProblemAsync(alice, bob, [id]);

        Assert.NotNull(problem["errors"]!["attachmentIds"]);
    }

    [Fact]
    public async Task AnAttachedUploadCannotBeAttachedToAnotherMessageButARepeatedSendAnswersTheStoredOne()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "a.txt", "text/plain", TestFiles.Text("once"));
        var first = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "one", clientMessageId = "att-1", attachmentIds = new[] { id } });

        var problem = await SendProblemAsync(alice, bob, [id]);
        Assert.NotNull(problem["errors"]!["attachmentIds"]);

        var repeat = await ChatApiClient.ReadAsync(
            await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "one", clientMessageId = "att-1", attachmentIds = new[] { id } }), HttpStatusCode.OK);
        Assert.Equal((string)first["id"]!, (string)repeat["id"]!);
        Assert.Equal(id, (string)repeat["attachments"]![0]!["id"]!);
        Assert.Single(await HistoryAsync(alice, bob));
    }

    [Fact]
    public async Task TwoSendsRacingForOneUploadLeaveItOnExactlyOneMessage()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "a.txt", "text/plain", TestFiles.Text("contested"));

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = $"try {i}", attachmentIds = new[] { id } })));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
        var carrying = (await HistoryAsync(alice, bob)).Where(m => m["attachments"]!.AsArray().Count > 0).ToList();
        Assert.Single(carrying);
    }

    [Fact]
    public async Task TheDownloadRouteRedirectsMembersAndTheUploaderAndIsNotFoundForOthers()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "att");
        var id = await Uploads.UploadAsync(alice, "a.txt", "text/plain", TestFiles.Text("members only"));

        Assert.Equal(HttpStatusCode.Found, (await GetAttachmentAsync(alice, id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAttachmentAsync(bob, id)).StatusCode);

        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "for bob", attachmentIds = new[] { id } });

        var redirect = await GetAttachmentAsync(bob, id);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        var followed = await Uploads.GetAsync(_http, redirect.Headers.Location!.ToString());
        Assert.Equal("members only", await followed.Content.ReadAsStringAsync());
        await ChatApiClient.ReadProblemAsync(await GetAttachmentAsync(carol, id), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await GetAttachmentAsync(carol, "0123456789abcdef01234567"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await GetAttachmentAsync(carol, "not-an-id"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ADownloadUrlWithATamperedNameOrTypeIsRefused()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "a.txt", "text/plain", TestFiles.Text("hello"));
        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "x", attachmentIds = new[] { id } });
        var url = (string)message["attachments"]![0]!["url"]!;

        var tampered = await Uploads.GetAsync(_http, url.Replace("type=text%2Fplain", "type=text%2Fhtml", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
    }

    [Fact]
    public async Task DeletingAMessageRemovesItsAttachmentsForEveryone()
    {
        var (alice, bob) = await PairAsync();
        var id = await Uploads.UploadAsync(alice, "a.txt", "text/plain", TestFiles.Text("soon gone"));
        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "x", attachmentIds = new[] { id } });
        var url = (string)message["attachments"]![0]!["url"]!;

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{(string)message["id"]!}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await Uploads.GetAsync(_http, url)).StatusCode);
        await ChatApiClient.ReadProblemAsync(await GetAttachmentAsync(bob, id), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await GetAttachmentAsync(alice, id), HttpStatusCode.NotFound);
        Assert.Empty(Assert.Single(await HistoryAsync(bob, alice))["attachments"]!.AsArray());
    }

    [Fact]
    public async Task ADecompressionBombPngIsRefusedAtSendWithoutDecodingIt()
    {
        var (alice, bob) = await PairAsync();
        var bomb = TestFiles.DecompressionBombPng(30000, 30000);
        var id = await Uploads.UploadAsync(alice, "huge.png", "image/png", bomb);

        var problem = await SendProblemAsync(alice, bob, [id]);

        Assert.Contains("30000x30000", (string)problem["errors"]!["attachmentIds"]![0]!);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("api/health")).StatusCode);
    }

    [Fact]
    public async Task RequestsWithoutATokenAreUnauthorized()
    {
        await ChatApiClient.ReadProblemAsync(await _http.PostAsJsonAsync("api/attachments", new { fileName = "a.txt", contentType = "text/plain", size = 1 }), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await _http.GetAsync("api/attachments/0123456789abcdef01234567"), HttpStatusCode.Unauthorized);
    }

    private async Task<HttpResponseMessage> GetAttachmentAsync(ChatApiClient user, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/attachments/{id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        return await _noRedirects.SendAsync(request);
    }

    private static async Task<JsonNode> SendProblemAsync(ChatApiClient from, ChatApiClient to, IEnumerable<string> ids) =>
        await ChatApiClient.ReadProblemAsync(
            await from.PostAsync("api/messages", new { receiverId = to.UserId, content = "with files", attachmentIds = ids }), HttpStatusCode.BadRequest);

    private static async Task<List<JsonNode>> HistoryAsync(ChatApiClient user, ChatApiClient peer)
    {
        var page = await ChatApiClient.ReadAsync(await user.GetAsync($"api/messages?with={peer.UserId}"), HttpStatusCode.OK);
        return page["items"]!.AsArray().Select(m => m!).ToList();
    }

    private static async Task AssertNoMessagesAsync(ChatApiClient user, ChatApiClient peer) => Assert.Empty(await HistoryAsync(user, peer));

    private async Task<(ChatApiClient Alice, ChatApiClient Bob)> PairAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"));
}
