using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Attachments;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// Names people tell each other apart by take no invisible or reordering characters (a twin "alice\u200b", a file
/// "invoice\u202Efdp.zip" showing as "invoicepdf.zip"), yet Persian and Indic spelling and emoji sequences keep
/// their joiners; message text keeps everything but the bidi overrides.
/// </summary>
[Collection(SharedHostCollection.Name)]
public sealed class HiddenCharactersTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    private async Task<HttpResponseMessage> RegisterAsync(string displayName)
    {
        var username = ChatApiClient.UniqueName("hid");
        return await _http.PostAsJsonAsync("api/auth/register", new { username, email = $"{username}@example.test", password = "correct horse battery", displayName });
    }

    [Theory]
    [InlineData("alice\u200b")]
    [InlineData("\ufeffalice")]
    [InlineData("ali\u2060ce")]
    [InlineData("alice\u202e")]
    [InlineData("\u2067alice\u2069")]
    [InlineData("\u202aalice")]
    [InlineData("alice\u200d")]
    [InlineData("al\u200dice ok?\u200d")]
    [InlineData("a\u200c1")]
    [InlineData("\u3164")]
    public async Task ADisplayNameWithHiddenOrReorderingCharactersIsRefused(string displayName)
    {
        var problem = await ChatApiClient.ReadProblemAsync(await RegisterAsync(displayName), HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["displayName"]);
    }

    [Theory]
    [InlineData("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")]           // Persian "mikhaham" with its ZWNJ
    [InlineData("\u0915\u094d\u200d\u0937")]                                     // Devanagari with a ZWJ after the virama
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466")]   // a family emoji
    [InlineData("\U0001F3F3\uFE0F\u200D\U0001F308 flag")]                       // rainbow flag
    [InlineData("\u200fRTL mark and \u200eLTR mark")]
    public async Task JoinersBetweenLettersOrInEmojiAndDirectionMarksAreAccepted(string displayName)
    {
        var session = await ChatApiClient.ReadAsync(await RegisterAsync(displayName), HttpStatusCode.Created);

        Assert.Equal(displayName.Normalize(System.Text.NormalizationForm.FormC).Trim(), (string)session["user"]!["displayName"]!);
    }

    [Fact]
    public async Task AGroupNameWithAZeroWidthSpaceIsRefused()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "hid");

        var problem = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/groups", new { name = "team\u200b" }), HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["name"]);
    }

    [Fact]
    public async Task AFileNameWithARightToLeftOverrideIsRefused()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "hid");

        var problem = await ChatApiClient.ReadProblemAsync(
            await alice.PostAsync("api/attachments", new { fileName = "invoice\u202Efdp.zip", contentType = "application/zip", size = 10 }),
            HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["fileName"]);
        var persian = await Uploads.SlotAsync(alice, "\u06af\u0632\u0627\u0631\u0634\u200c\u0647\u0627.txt", "text/plain", 5);
        Assert.NotNull(persian["id"]);
    }

    [Fact]
    public async Task MessageTextIsStoredWithoutBidiOverridesAndOtherwiseVerbatim()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "hid");
        var bob = await ChatApiClient.RegisterAsync(_http, "hid");

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "pay \u202Eexe.fdp\u202C now \u2067x\u2069 a\u200bb \u200f!" });

        Assert.Equal("pay exe.fdp now x a\u200bb \u200f!", (string)sent["content"]!);
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        Assert.Contains(history["items"]!.AsArray(), m => (string?)m!["content"] == "pay exe.fdp now x a\u200bb \u200f!");
    }
}
