using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Attachments;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;
using SkiaSharp;

namespace ServerlessChat.Tests.Account;

/// <summary>
/// User and group avatars over HTTP and SignalR, on the store the shared host runs on (MongoDB when
/// CHAT_TEST_MONGODB is set): an uploaded image, checked and processed as a message's image is, made a square
/// thumbnail served from a signed URL; replaced and removed avatars are gone from the blob store.
/// </summary>
[Collection(SharedHostCollection.Name)]
public sealed class AvatarApiTests(SharedHostFixture fixture)
{
    private HttpClient Http => fixture.Host.Client;

    [Fact]
    public async Task AnUploadedImageBecomesASquareAvatarWithoutMetadataThatContactsSeeLive()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "ava"), await ChatApiClient.RegisterAsync(Http, "ava"));
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" });
        await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        await bobLive.ReadyAsync();
        var jpeg = TestFiles.JpegWithExif(1200, 800);
        var upload = await Uploads.UploadAsync(alice, "me.jpg", "image/jpeg", jpeg);

        var me = await ChatApiClient.ReadAsync(await alice.PatchAsync("api/users/me", new { avatarAttachmentId = upload }), HttpStatusCode.OK);

        var avatarUrl = (string)me["avatarUrl"]!;
        var avatar = await Uploads.GetAsync(Http, avatarUrl);
        Assert.Equal(HttpStatusCode.OK, avatar.StatusCode);
        Assert.Equal("image/webp", avatar.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", avatar.Headers.GetValues("X-Content-Type-Options").Single());
        var bytes = await avatar.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain(TestFiles.ExifSecret, Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        using (var codec = SKCodec.Create(new MemoryStream(bytes)))
        {
            Assert.Equal(SKEncodedImageFormat.Webp, codec.EncodedFormat);
            Assert.Equal((256, 256), (codec.Info.Width, codec.Info.Height));
        }

        // The contact hears it, and every later answer about alice carries a signed link of its own.
        var heard = await bobLive.WaitForAsync(ChatHub.UserUpdated, u => u.Str("id") == alice.UserId && u.Str("avatarUrl") is not null);
        Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(Http, heard.Str("avatarUrl")!)).StatusCode);
        Assert.False(heard.TryGetProperty("avatarId", out _));
        var profile = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.OK);
        Assert.NotNull((string?)profile["avatarUrl"]);
        var conversations = await ChatApiClient.ReadAsync(await bob.GetAsync("api/conversations"), HttpStatusCode.OK);
        Assert.NotNull((string?)conversations["items"]![0]!["peer"]!["avatarUrl"]);
        Assert.NotNull((string?)(await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK))["avatarUrl"]);

        // The upload is used up: not an attachment any more, never sent with a message, never a second avatar.
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/attachments/{upload}"), HttpStatusCode.NotFound);
        var send = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "x", attachmentIds = new[] { upload } }), HttpStatusCode.BadRequest);
        Assert.NotNull(send["errors"]!["attachmentIds"]);
        await ChatApiClient.ReadProblemAsync(await alice.PatchAsync("api/users/me", new { avatarAttachmentId = upload }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AReplacedOrRemovedAvatarIsNoLongerServedAndContactsHearTheRemoval()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "ava"), await ChatApiClient.RegisterAsync(Http, "ava"));
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" });
        await using var bobLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);
        await bobLive.ReadyAsync();

        var first = await SetAvatarAsync(alice, TestFiles.Png(300, 500));
        var second = await SetAvatarAsync(alice, TestFiles.Jpeg(640, 480));
        Assert.Equal(HttpStatusCode.NotFound, (await Uploads.GetAsync(Http, first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(Http, second)).StatusCode);

        // Other changes keep it; null removes it.
        var renamed = await ChatApiClient.ReadAsync(await alice.PatchAsync("api/users/me", new { displayName = "Alice" }), HttpStatusCode.OK);
        Assert.NotNull((string?)renamed["avatarUrl"]);
        var removed = await ChatApiClient.ReadAsync(await alice.SendAsync(HttpMethod.Patch, "api/users/me", null, rawJson: """{"avatarAttachmentId":null}"""), HttpStatusCode.OK);
        Assert.Null(removed["avatarUrl"]);
        Assert.Equal("Alice", (string)removed["displayName"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await Uploads.GetAsync(Http, second)).StatusCode);
        await bobLive.WaitForAsync(ChatHub.UserUpdated, u => u.Str("id") == alice.UserId && u.Str("displayName") == "Alice" && u.Str("avatarUrl") is null);
        Assert.Null((await ChatApiClient.ReadAsync(await bob.GetAsync($"api/users/{alice.UserId}"), HttpStatusCode.OK))["avatarUrl"]);
    }

    [Fact]
    public async Task OnlyTheCallersOwnUnusedImageBecomesAnAvatarAndARefusalChangesNothing()
    {
        var (alice, bob) = (await ChatApiClient.RegisterAsync(Http, "ava"), await ChatApiClient.RegisterAsync(Http, "ava"));
        var bobs = await Uploads.UploadAsync(bob, "bob.png", "image/png", TestFiles.Png(64, 64));
        var text = await Uploads.UploadAsync(alice, "me.txt", "text/plain", TestFiles.Text("not an image"));
        var lying = await Uploads.UploadAsync(alice, "me.jpg", "image/jpeg", TestFiles.Png(64, 64));
        var bomb = await Uploads.UploadAsync(alice, "bomb.png", "image/png", TestFiles.DecompressionBombPng(30000, 30000));
        var notUploaded = (string)(await Uploads.SlotAsync(alice, "later.png", "image/png", 100))["id"]!;
        var sent = await Uploads.UploadAsync(alice, "sent.png", "image/png", TestFiles.Png(64, 64));
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "", attachmentIds = new[] { sent } });

        foreach (var id in new[] { bobs, text, lying, bomb, notUploaded, sent, "0123456789abcdef01234567", "nope" })
        {
            var problem = await ChatApiClient.ReadProblemAsync(await alice.PatchAsync("api/users/me", new { avatarAttachmentId = id }), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["avatarAttachmentId"]);
        }

        // A refused field elsewhere leaves the upload unused: it still becomes the avatar afterwards.
        var good = await Uploads.UploadAsync(alice, "good.png", "image/png", TestFiles.Png(80, 40));
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(await alice.PatchAsync("api/users/me", new { displayName = "", avatarAttachmentId = good }), HttpStatusCode.BadRequest))["errors"]!["displayName"]);
        Assert.Null((await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK))["avatarUrl"]);
        Assert.NotNull((string?)(await ChatApiClient.ReadAsync(await alice.PatchAsync("api/users/me", new { avatarAttachmentId = good }), HttpStatusCode.OK))["avatarUrl"]);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("api/health")).StatusCode);
    }

    [Fact]
    public async Task ABurstOfAvatarChangesUsesEachUploadOnceAndLeavesOnlyTheLastAvatarServed()
    {
        var alice = await ChatApiClient.RegisterAsync(Http, "ava");
        for (var round = 0; round < 3; round++)
        {
            var uploads = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                uploads.Add(await Uploads.UploadAsync(alice, $"a{i}.png", "image/png", TestFiles.Png(40 + i, 40)));
            }

            // Every upload named by two requests at once: one of the two gets it.
            var answers = await Task.WhenAll(uploads.Concat(uploads).Select(id => Task.Run(async () =>
            {
                var response = await alice.PatchAsync("api/users/me", new { avatarAttachmentId = id });
                return (id, response.StatusCode, Body: JsonNode.Parse(await response.Content.ReadAsStringAsync()));
            })));

            foreach (var id in uploads)
            {
                Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest], answers.Where(a => a.id == id).Select(a => a.StatusCode).Order());
            }

            var final = (string)(await ChatApiClient.ReadAsync(await alice.GetAsync("api/users/me"), HttpStatusCode.OK))["avatarUrl"]!;
            Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(Http, final)).StatusCode);
            var served = 0;
            foreach (var answer in answers.Where(a => a.StatusCode == HttpStatusCode.OK))
            {
                served += (await Uploads.GetAsync(Http, (string)answer.Body!["avatarUrl"]!)).StatusCode == HttpStatusCode.OK ? 1 : 0;
            }

            // Each replaced thumbnail was removed by the change that replaced it: one is left.
            Assert.Equal(1, served);
        }
    }

    [Fact]
    public async Task AGroupAdminSetsTheGroupAvatarMembersHearItAndOthersCannotUseTheirUploads()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "gava"), await ChatApiClient.RegisterAsync(Http, "gava"));
        var id = (string)(await admin.CreateGroupAsync("pictured", member.UserId))["id"]!;
        await using var memberLive = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, member.UserId, member.AccessToken);
        await memberLive.ReadyAsync();

        var upload = await Uploads.UploadAsync(admin, "team.jpg", "image/jpeg", TestFiles.JpegWithExif(900, 1200));
        var group = await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{id}", new { avatarAttachmentId = upload }), HttpStatusCode.OK);
        var first = (string)group["avatarUrl"]!;
        var avatar = await Uploads.GetAsync(Http, first);
        Assert.Equal(HttpStatusCode.OK, avatar.StatusCode);
        var bytes = await avatar.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain(TestFiles.ExifSecret, Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        using (var codec = SKCodec.Create(new MemoryStream(bytes)))
        {
            Assert.Equal((256, 256), (codec.Info.Width, codec.Info.Height));
        }

        var heard = await memberLive.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == id && g.Str("avatarUrl") is not null);
        Assert.NotNull(heard.Str("cursor"));
        Assert.NotNull((string?)(await ChatApiClient.ReadAsync(await member.GetAsync($"api/groups/{id}"), HttpStatusCode.OK))["avatarUrl"]);
        Assert.NotNull((string?)(await ChatApiClient.ReadAsync(await member.GetAsync("api/groups"), HttpStatusCode.OK))["items"]!.AsArray().Single(g => (string)g!["id"]! == id)!["avatarUrl"]);

        // A member who is not an admin: 403, and its upload is still its own to use.
        var members = await Uploads.UploadAsync(member, "mine.png", "image/png", TestFiles.Png(50, 50));
        await ChatApiClient.ReadProblemAsync(await member.PatchAsync($"api/groups/{id}", new { avatarAttachmentId = members }), HttpStatusCode.Forbidden);
        var outsider = await ChatApiClient.RegisterAsync(Http, "gava");
        await ChatApiClient.ReadProblemAsync(await outsider.PatchAsync($"api/groups/{id}", new { avatarAttachmentId = members }), HttpStatusCode.NotFound);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(await admin.PatchAsync($"api/groups/{id}", new { avatarAttachmentId = members }), HttpStatusCode.BadRequest))["errors"]!["avatarAttachmentId"]);
        Assert.NotNull((string?)(await ChatApiClient.ReadAsync(await member.PatchAsync("api/users/me", new { avatarAttachmentId = members }), HttpStatusCode.OK))["avatarUrl"]);

        // A change of members keeps the avatar; null removes it, and the old thumbnail goes.
        var third = await ChatApiClient.RegisterAsync(Http, "gava");
        await admin.SendMessageAsync(new { receiverId = third.UserId, content = "joining?" });
        var grown = await ChatApiClient.ReadAsync(await admin.PutAsync($"api/groups/{id}/members", new { add = new[] { third.UserId } }), HttpStatusCode.OK);
        Assert.NotNull((string?)grown["avatarUrl"]);
        var removed = await ChatApiClient.ReadAsync(await admin.SendAsync(HttpMethod.Patch, $"api/groups/{id}", null, rawJson: """{"avatarAttachmentId":null}"""), HttpStatusCode.OK);
        Assert.Null(removed["avatarUrl"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Uploads.GetAsync(Http, first)).StatusCode);
        await memberLive.WaitForAsync(ChatHub.GroupUpdated, g => g.Str("id") == id && g.Str("avatarUrl") is null && g.GetProperty("members").GetArrayLength() == 3);
    }

    [Fact]
    public async Task ABurstOfGroupAvatarChangesLeavesOneAvatarServed()
    {
        var (admin, member) = (await ChatApiClient.RegisterAsync(Http, "gava"), await ChatApiClient.RegisterAsync(Http, "gava"));
        var id = (string)(await admin.CreateGroupAsync("busy", member.UserId))["id"]!;
        for (var round = 0; round < 3; round++)
        {
            var uploads = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                uploads.Add(await Uploads.UploadAsync(admin, $"g{i}.png", "image/png", TestFiles.Png(30, 30 + i)));
            }

            var answers = await Task.WhenAll(uploads.Select(upload => Task.Run(async () =>
                await ChatApiClient.ReadAsync(await admin.PatchAsync($"api/groups/{id}", new { avatarAttachmentId = upload, description = upload }), HttpStatusCode.OK))));

            var stored = await ChatApiClient.ReadAsync(await member.GetAsync($"api/groups/{id}"), HttpStatusCode.OK);
            var served = new List<string>();
            foreach (var answer in answers)
            {
                if ((await Uploads.GetAsync(Http, (string)answer["avatarUrl"]!)).StatusCode == HttpStatusCode.OK)
                {
                    served.Add((string)answer["description"]!);
                }
            }

            // The one left is the one stored, written with the description of the same request.
            Assert.Equal([(string)stored["description"]!], served);
            Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(Http, (string)stored["avatarUrl"]!)).StatusCode);
        }
    }

    private async Task<string> SetAvatarAsync(ChatApiClient user, byte[] png)
    {
        var upload = await Uploads.UploadAsync(user, "avatar.png", png[0] == 0x89 ? "image/png" : "image/jpeg", png);
        return (string)(await ChatApiClient.ReadAsync(await user.PatchAsync("api/users/me", new { avatarAttachmentId = upload }), HttpStatusCode.OK))["avatarUrl"]!;
    }
}
