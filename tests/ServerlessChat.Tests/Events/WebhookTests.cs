using System.Net.Http.Json;
using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Events;

/// <summary>
/// Events out to a webhook receiver in node that verifies every delivery with the Standard Webhooks reference
/// library (npm standardwebhooks): every change arrives signed, as a CloudEvent, in order per subject, through
/// the receiver's refusals and across a restart of the host. Runs on MongoDB too when CHAT_TEST_MONGODB is set.
/// </summary>
public sealed class WebhookTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task ABurstOfChangesReachesTheReceiverSignedInOrderPerSubjectThroughItsRefusals()
    {
        await using var receiver = await NodeWebhookReceiver.StartAsync(failFirst: 5);
        await using var host = await StandaloneHost.StartAsync(receiver.HostSettings());
        var alice = await ChatApiClient.RegisterAsync(host.Client, "whalice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "whbob");
        var carol = await ChatApiClient.RegisterAsync(host.Client, "whcarol");
        var groupId = (string)(await alice.CreateGroupAsync("hooks", bob.UserId, carol.UserId))["id"]!;

        // 60 sends at once over three conversations and three senders.
        var sent = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var (sender, body) = (i % 3) switch
            {
                0 => (alice, (object)new { receiverId = bob.UserId, content = $"direct {i}" }),
                1 => (carol, new { receiverId = bob.UserId, content = $"other {i}" }),
                _ => (bob, new { groupId, content = $"group {i}" }),
            };
            return await sender.SendMessageAsync(body);
        }));
        var edited = (string)sent[0]["id"]!;
        var deleted = (string)sent[3]["id"]!;
        await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{edited}", new { content = "edited" }), HttpStatusCode.OK);
        await ChatApiClient.ReadAsync(await bob.PutAsync($"api/messages/{edited}/reactions", new { emoji = "👍" }), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{deleted}")).StatusCode);

        var sentIds = sent.Select(m => (string)m["id"]!).ToHashSet();
        var received = await receiver.WaitForAsync(r =>
            sentIds.IsSubsetOf(r.OfType("message.created").Select(e => (string)e["data"]!["id"]!))
            && r.OfType("message.deleted").Any(e => (string)e["data"]!["id"]! == deleted)
            && r.OfType("reaction.updated").Any(e => (string)e["data"]!["messageId"]! == edited), Patience);

        Assert.Equal(0, received.BadSignatures);
        Assert.Equal(0, received.WrongContentType);
        Assert.True(received.Refused >= 5, $"the receiver refused {received.Refused} deliveries");
        Assert.All(received.Accepted, e =>
        {
            Assert.Equal("1.0", (string)e["specversion"]!);
            Assert.Equal((string)e["id"]!, (string)e["webhookId"]!);
            Assert.Equal("application/json", (string)e["datacontenttype"]!);
            Assert.False(string.IsNullOrEmpty((string?)e["source"]));
        });

        var mine = received.FirstDeliveries().Where(e => Mentions(e, alice.UserId, bob.UserId, carol.UserId, groupId)).ToList();
        // Each subject's events come in the order of their changes (their times strictly increase per subject).
        foreach (var subject in mine.GroupBy(e => (string)e["subject"]!))
        {
            var times = subject.Select(e => DateTimeOffset.Parse((string)e["time"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.True(times.Zip(times.Skip(1)).All(p => p.First < p.Second), $"events of {subject.Key} came out of order");
        }
        foreach (var created in mine.Where(e => (string)e["type"]! == "message.created"))
        {
            Assert.Equal((string)created["data"]!["conversationId"]!, (string)created["subject"]!);
        }

        // The edit came before the delete of another message, and after the message's creation.
        var ofEdited = mine.Where(e => (string?)e["data"]!["id"] == edited || (string?)e["data"]!["messageId"] == edited).Select(e => (string)e["type"]!).ToList();
        Assert.Equal(["message.created", "message.updated", "reaction.updated"], ofEdited);
        Assert.Equal("edited", (string)mine.Single(e => (string)e["type"]! == "message.updated" && (string)e["data"]!["id"]! == edited)["data"]!["content"]!);

        var group = mine.Single(e => (string)e["type"]! == "group.created");
        Assert.Equal($"g:{groupId}", (string)group["subject"]!);
        Assert.Equal("hooks", (string)group["data"]!["name"]!);
        foreach (var user in new[] { alice, bob, carol })
        {
            var createdUser = Assert.Single(mine, e => (string)e["type"]! == "user.created" && (string)e["subject"]! == user.UserId);
            Assert.Equal(user.Username, (string)createdUser["data"]!["username"]!);
            Assert.Null(createdUser["data"]!["email"]);
        }
    }

    [SkippableFact]
    public async Task EventsNotYetTakenWhenTheHostStopsArriveAfterItStartsAgain()
    {
        await using var receiver = await NodeWebhookReceiver.StartAsync();
        await receiver.SetFailingAsync(true);
        var first = await StandaloneHost.StartAsync(receiver.HostSettings());
        StandaloneHost second;
        List<string> sentIds;
        try
        {
            var alice = await ChatApiClient.RegisterAsync(first.Client, "rsalice");
            var bob = await ChatApiClient.RegisterAsync(first.Client, "rsbob");
            sentIds = [];
            for (var i = 0; i < 8; i++)
            {
                sentIds.Add((string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"kept {i}" }))["id"]!);
            }
            // The dispatcher has tried (and been refused) before the stop.
            await receiver.WaitForAsync(r => r.Refused >= 2, Patience);
            await first.StopAsync();
            await receiver.SetFailingAsync(false);
            Assert.Empty((await receiver.ReceivedAsync()).OfType("message.created"));
            second = await first.StartAgainAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var restarted = second;
        var received = await receiver.WaitForAsync(r => r.OfType("message.created").Select(e => (string)e["data"]!["id"]!).Distinct().Count() >= sentIds.Count, Patience);
        Assert.Equal(sentIds, received.FirstDeliveries().Where(e => (string)e["type"]! == "message.created").Select(e => (string)e["data"]!["id"]!));
        Assert.Equal(0, received.BadSignatures);
    }

    [SkippableFact]
    public async Task AWebhookTakesOnlyTheTypesItAskedFor()
    {
        await using var receiver = await NodeWebhookReceiver.StartAsync();
        var settings = receiver.HostSettings();
        settings["Events__Webhooks__0__Types__0"] = "message.deleted";
        await using var host = await StandaloneHost.StartAsync(settings);
        var alice = await ChatApiClient.RegisterAsync(host.Client, "tyalice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "tybob");
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "soon gone" }))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/messages/{id}")).StatusCode);

        var received = await receiver.WaitForAsync(r => r.Accepted.Count > 0, Patience);
        Assert.All(received.Accepted, e => Assert.Equal("message.deleted", (string)e["type"]!));
        Assert.Equal(id, (string)received.Accepted[0]["data"]!["id"]!);
    }

    [Fact]
    public async Task AProfileChangeAndAnErasureGoOutAsUserUpdatedThenUserDeletedForThatUser()
    {
        await using var receiver = await NodeWebhookReceiver.StartAsync();
        var settings = receiver.HostSettings();
        settings["Events__Webhooks__0__Types__0"] = "user.updated";
        settings["Events__Webhooks__0__Types__1"] = "user.deleted";
        await using var host = await StandaloneHost.StartAsync(settings);
        var carol = await ChatApiClient.RegisterAsync(host.Client, "uscarol");

        await ChatApiClient.ReadAsync(await carol.PatchAsync("api/users/me", new { displayName = "Carol Renamed" }), HttpStatusCode.OK);
        var erase = new HttpRequestMessage(HttpMethod.Delete, "api/users/me") { Content = JsonContent.Create(new { password = carol.Password }) };
        erase.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", carol.AccessToken);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.SendAsync(erase)).StatusCode);

        var received = await receiver.WaitForAsync(r => r.Accepted.Any(e => (string)e["type"]! == "user.deleted" && (string)e["subject"]! == carol.UserId), Patience);
        var mine = received.Accepted.Where(e => (string)e["subject"]! == carol.UserId).ToList();
        Assert.Equal(["user.updated", "user.deleted"], mine.Select(e => (string)e["type"]!).Distinct());
        Assert.Equal("Carol Renamed", (string)mine.First(e => (string)e["type"]! == "user.updated")["data"]!["displayName"]!);
        var deleted = mine.Last();
        Assert.Equal("user.deleted", (string)deleted["type"]!);
        Assert.True((bool)deleted["data"]!["deleted"]!);
        Assert.Null(deleted["data"]!["email"]);
    }

    private static bool Mentions(JsonObject e, params string[] ids)
    {
        var subject = (string)e["subject"]!;
        return ids.Any(id => subject.Contains(id, StringComparison.Ordinal));
    }
}
