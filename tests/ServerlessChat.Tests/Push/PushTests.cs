using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using ServerlessChat.Core.Push;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Push;

/// <summary>A standalone host with generated VAPID keys that may push to the local push service on loopback.</summary>
public sealed class PushHostFixture : IAsyncLifetime
{
    public const int TimeToLiveSeconds = 3600;

    public LocalPushService PushService { get; private set; } = null!;
    public StandaloneHost Host { get; private set; } = null!;
    public string VapidPublicKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        PushService = await LocalPushService.StartAsync();
        var (publicKey, privateKey) = VapidKeys.Generate();
        VapidPublicKey = publicKey;
        Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Push__VapidSubject"] = "mailto:push-tests@example.test",
            ["Push__VapidPublicKey"] = publicKey,
            ["Push__VapidPrivateKey"] = privateKey,
            ["Push__AllowInsecureEndpoints"] = "true",
            ["Push__IncludePreview"] = "true",
            ["Push__TimeToLiveSeconds"] = TimeToLiveSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // One push at a time to the one local push service, in the order they were queued, so a push that
            // arrives proves the ones queued before it were answered (the tests below rely on that order).
            ["Push__MaxConcurrentPerOrigin"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await PushService.DisposeAsync();
    }
}

public sealed class PushTests(PushHostFixture fixture) : IClassFixture<PushHostFixture>
{
    private readonly HttpClient _http = fixture.Host.Client;

    private async Task<(ChatApiClient User, TestSubscription Subscription)> SubscribedAsync(string prefix)
    {
        var user = await ChatApiClient.RegisterAsync(_http, prefix);
        var subscription = fixture.PushService.NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("api/push/subscriptions", subscription.Body)).StatusCode);
        return (user, subscription);
    }

    private static async Task<string> DisplayNameAsync(ChatApiClient user) =>
        (string)(await ChatApiClient.ReadAsync(await user.GetAsync("api/users/me"), HttpStatusCode.OK))["displayName"]!;

    [Fact]
    public async Task TheVapidPublicKeyIsTheConfiguredOne()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var answer = await ChatApiClient.ReadAsync(await alice.GetAsync("api/push/vapid-public-key"), HttpStatusCode.OK);
        Assert.Equal(fixture.VapidPublicKey, (string)answer["publicKey"]!);
    }

    [Fact]
    public async Task AnOfflineRecipientGetsExactlyThePayloadEncryptedForItsSubscription()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, phone) = await SubscribedAsync("bob");

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hello offline bob" });

        var push = await phone.NextAsync();
        Assert.True(push.Error is null, push.Error);
        var expected = new JsonObject
        {
            ["type"] = "newMessage",
            ["conversationId"] = (string)sent["conversationId"]!,
            ["messageId"] = (string)sent["id"]!,
            ["senderId"] = alice.UserId,
            ["senderName"] = await DisplayNameAsync(alice),
            ["preview"] = "hello offline bob",
        };
        Assert.True(JsonNode.DeepEquals(expected, push.Payload), push.Payload?.ToJsonString());
    }

    [Fact]
    public async Task APushCarriesHighUrgencyTheTtlAndAShortTopicPerConversation()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, phone) = await SubscribedAsync("bob");

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "headers" });

        var push = await phone.NextAsync();
        Assert.Equal("high", push.Urgency);
        Assert.Equal(PushHostFixture.TimeToLiveSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), push.Ttl);
        var topic = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.UTF8.GetBytes((string)sent["conversationId"]!)).AsSpan(0, 24));
        Assert.Equal(topic, push.Topic);
        Assert.True(push.Topic!.Length <= 32 && push.Topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    // Every recipient of a message is decided before its first push is queued, so a push reaching one member
    // proves that the others were decided: their absence needs no waiting.
    [Fact]
    public async Task AnOnlineRecipientGetsNoPushWhileAnOfflineOneDoes()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, bobsPhone) = await SubscribedAsync("bob");
        var (carol, carolsPhone) = await SubscribedAsync("carol");
        var group = await alice.CreateGroupAsync("online", bob.UserId, carol.UserId);
        await using var bobOnline = await RealtimeClient.ConnectAsync(fixture.Host.BaseAddress, bob.UserId, bob.AccessToken);

        var sent = await alice.SendMessageAsync(new { groupId = (string)group["id"]!, content = "who is here" });

        Assert.Equal((string)sent["id"]!, (string)(await carolsPhone.NextAsync()).Payload!["messageId"]!);
        Assert.False(bobsPhone.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task AThreadReplyIsPushedOnlyToTheThreadsParticipants()
    {
        var (alice, alicesPhone) = await SubscribedAsync("alice");
        var (bob, _) = await SubscribedAsync("bob");
        var (carol, carolsPhone) = await SubscribedAsync("carol");
        var (dave, davesPhone) = await SubscribedAsync("dave");
        var groupId = (string)(await alice.CreateGroupAsync("thread", bob.UserId, carol.UserId, dave.UserId))["id"]!;
        var root = (string)(await alice.SendMessageAsync(new { groupId, content = "root" }))["id"]!;
        Assert.Equal(root, (string)(await davesPhone.NextAsync()).Payload!["messageId"]!);
        Assert.Equal(root, (string)(await carolsPhone.NextAsync()).Payload!["messageId"]!);

        var reply = (string)(await bob.SendMessageAsync(new { groupId, content = $"@{carol.Username} see", threadId = root }))["id"]!;
        Assert.Equal(reply, (string)(await alicesPhone.NextAsync()).Payload!["messageId"]!);
        Assert.Equal(reply, (string)(await carolsPhone.NextAsync()).Payload!["messageId"]!);

        // Pushes leave one at a time in the order they were queued: Dave's next one is the later top-level message.
        var later = (string)(await bob.SendMessageAsync(new { groupId, content = "top level again" }))["id"]!;
        Assert.Equal(later, (string)(await davesPhone.NextAsync()).Payload!["messageId"]!);
    }

    [Fact]
    public async Task AMutedConversationAndTheSenderGetNoPush()
    {
        var (alice, alicesPhone) = await SubscribedAsync("alice");
        var (bob, bobsPhone) = await SubscribedAsync("bob");
        var (carol, carolsPhone) = await SubscribedAsync("carol");
        var group = await alice.CreateGroupAsync("muted", bob.UserId, carol.UserId);
        var conversationId = $"g:{(string)group["id"]!}";
        Assert.Equal(HttpStatusCode.NoContent, (await bob.PutAsync($"api/conversations/{conversationId}/mute", null)).StatusCode);

        var sent = await alice.SendMessageAsync(new { groupId = (string)group["id"]!, content = "muted" });

        Assert.Equal((string)sent["id"]!, (string)(await carolsPhone.NextAsync()).Payload!["messageId"]!);
        Assert.False(bobsPhone.Received.Reader.TryRead(out _));
        Assert.False(alicesPhone.Received.Reader.TryRead(out _));

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"api/conversations/{conversationId}/mute")).StatusCode);
        var again = await alice.SendMessageAsync(new { groupId = (string)group["id"]!, content = "unmuted" });
        Assert.Equal((string)again["id"]!, (string)(await bobsPhone.NextAsync()).Payload!["messageId"]!);
    }

    [Fact]
    public async Task ABlockedSendersMessagesAreNotPushedToTheBlocker()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, bobsPhone) = await SubscribedAsync("bob");
        var (carol, carolsPhone) = await SubscribedAsync("carol");
        var group = await alice.CreateGroupAsync("blocked", bob.UserId, carol.UserId);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.PutAsync($"api/users/{alice.UserId}/block", null)).StatusCode);

        var sent = await alice.SendMessageAsync(new { groupId = (string)group["id"]!, content = "from a blocked user" });

        Assert.Equal((string)sent["id"]!, (string)(await carolsPhone.NextAsync()).Payload!["messageId"]!);
        Assert.False(bobsPhone.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task TheCallersMutedConversationsAreListedAndOnlyTheirs()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var bob = await ChatApiClient.RegisterAsync(_http, "bob");
        var group = $"g:{(string)(await alice.CreateGroupAsync("listed", bob.UserId))["id"]!}";
        var direct = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hi" }))["conversationId"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/conversations/{group}/mute", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PutAsync($"api/conversations/{Uri.EscapeDataString(direct)}/mute", null)).StatusCode);

        async Task<string[]> MutesAsync(ChatApiClient user) =>
            [.. (await ChatApiClient.ReadAsync(await user.GetAsync("api/push/mutes"), HttpStatusCode.OK))["conversationIds"]!.AsArray().Select(n => (string)n!)];

        Assert.Equal(new[] { direct, group }.Order(StringComparer.Ordinal), await MutesAsync(alice));
        Assert.Empty(await MutesAsync(bob));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/conversations/{group}/mute")).StatusCode);
        Assert.Equal([direct], await MutesAsync(alice));
    }

    [Fact]
    public async Task ConversationsTheCallerCannotSeeCannotBeMuted()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, carol) = (await ChatApiClient.RegisterAsync(_http, "bob"), await ChatApiClient.RegisterAsync(_http, "carol"));
        var others = string.CompareOrdinal(bob.UserId, carol.UserId) < 0 ? $"d:{bob.UserId}:{carol.UserId}" : $"d:{carol.UserId}:{bob.UserId}";
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync($"api/conversations/{others}/mute", null), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.PutAsync("api/conversations/nonsense/mute", null), HttpStatusCode.NotFound);
    }

    // Subscriptions are pushed to oldest first, one after the other (one at a time per origin here): when the
    // second gets its push the first's 410 has been handled.
    [Fact]
    public async Task APushServiceAnsweringGoneEndsTheSubscription()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, oldPhone) = await SubscribedAsync("bob");
        var newPhone = fixture.PushService.NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("api/push/subscriptions", newPhone.Body)).StatusCode);
        oldPhone.Script.Enqueue((StatusCodes.Gone, null));

        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "first" });
        Assert.Equal(StatusCodes.Gone, (await oldPhone.NextAsync()).Answered);
        await newPhone.NextAsync();

        var second = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "second" });
        Assert.Equal((string)second["id"]!, (string)(await newPhone.NextAsync()).Payload!["messageId"]!);
        Assert.False(oldPhone.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task AnEleventhSubscriptionReplacesTheOldest()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var bob = await ChatApiClient.RegisterAsync(_http, "bob");
        var phones = new List<TestSubscription>();
        for (var i = 0; i <= PushService.MaxSubscriptionsPerUser; i++)
        {
            var phone = fixture.PushService.NewSubscription();
            Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("api/push/subscriptions", phone.Body)).StatusCode);
            phones.Add(phone);
        }

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "to every kept device" });

        // Oldest first, one at a time: had the oldest been kept, it would have had its push before the others.
        foreach (var phone in phones.Skip(1))
        {
            Assert.Equal((string)sent["id"]!, (string)(await phone.NextAsync()).Payload!["messageId"]!);
        }
        Assert.False(phones[0].Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task TooManyRequestsIsRetriedAfterTheRetryAfterDelay()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var (bob, phone) = await SubscribedAsync("bob");
        phone.Script.Enqueue((StatusCodes.TooManyRequests, 1));

        var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "retry me" });

        var refused = await phone.NextAsync();
        Assert.Equal(StatusCodes.TooManyRequests, refused.Answered);
        var accepted = await phone.NextAsync();
        Assert.Equal(StatusCodes.Created, accepted.Answered);
        Assert.Equal((string)sent["id"]!, (string)accepted.Payload!["messageId"]!);
        Assert.True(accepted.At - refused.At >= TimeSpan.FromSeconds(0.9), $"retried after {accepted.At - refused.At}");
    }

    [Fact]
    public async Task SubscriptionsWithBadKeysOrEndpointsAreRefused()
    {
        var bob = await ChatApiClient.RegisterAsync(_http, "bob");
        var good = fixture.PushService.NewSubscription();
        var badBodies = new object[]
        {
            new { endpoint = good.Endpoint, keys = new { p256dh = "not-a-key", auth = good.Auth } },
            new { endpoint = good.Endpoint, keys = new { p256dh = WebEncoders.Base64UrlEncode(new byte[65]), auth = good.Auth } },
            new { endpoint = good.Endpoint, keys = new { p256dh = good.P256dh, auth = WebEncoders.Base64UrlEncode(new byte[8]) } },
            new { endpoint = good.Endpoint },
            new { endpoint = "ftp://push.example/x", keys = new { p256dh = good.P256dh, auth = good.Auth } },
        };
        foreach (var body in badBodies)
        {
            await ChatApiClient.ReadProblemAsync(await bob.PostAsync("api/push/subscriptions", body), HttpStatusCode.BadRequest);
        }
    }

    private static class StatusCodes
    {
        public const int Created = 201;
        public const int Gone = 410;
        public const int TooManyRequests = 429;
    }
}

/// <summary>Without Push:AllowInsecureEndpoints a subscription can never point the server into its own network.</summary>
public sealed class PushEndpointRulesTests
{
    [Fact]
    public async Task HttpAndNonPublicEndpointsAreRefusedWithoutTheInsecureSetting()
    {
        await using var pushService = await LocalPushService.StartAsync();
        var (publicKey, privateKey) = VapidKeys.Generate();
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Push__VapidPublicKey"] = publicKey,
            ["Push__VapidPrivateKey"] = privateKey,
        });
        var bob = await ChatApiClient.RegisterAsync(host.Client, "bob");
        var local = pushService.NewSubscription();
        string[] endpoints =
        [
            local.Endpoint,
            "https://127.0.0.1/push/x",
            "https://localhost/push/x",
            "https://10.1.2.3/push/x",
            "https://100.64.0.1/push/x",
            "https://169.254.169.254/latest",
            "https://[::1]/push/x",
            "https://[fd00::1]/push/x",
            "https://[fe80::1]/push/x",
            "https://[::ffff:192.168.0.1]/push/x",
            "https://0.0.0.0/push/x",
            "https://224.0.0.1/push/x",
        ];
        foreach (var endpoint in endpoints)
        {
            var response = await bob.PostAsync("api/push/subscriptions", new { endpoint, keys = new { p256dh = local.P256dh, auth = local.Auth } });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task WithoutVapidKeysOutsideDevelopmentThePushRoutesAreNotFound()
    {
        await using var host = await StandaloneHost.StartAsync();
        var bob = await ChatApiClient.RegisterAsync(host.Client, "bob");
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync("api/push/vapid-public-key"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("172.31.0.1", false)]
    [InlineData("100.127.255.255", false)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::", false)]
    public void OnlyPublicAddressesArePublic(string address, bool expected) =>
        Assert.Equal(expected, ServerlessChat.Core.Egress.NetworkAddresses.IsPublic(IPAddress.Parse(address)));
}
