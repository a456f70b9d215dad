using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using ServerlessChat.Core.Push;
using ServerlessChat.Core.Storage;
using ServerlessChat.Tests.Attachments;
using ServerlessChat.Tests.Functions;

namespace ServerlessChat.Tests.Push;

/// <summary>
/// The Functions app's push path on its real services: a send puts a job on the Storage queue push-requests (a
/// private Azurite), and the PushSend queue trigger, handed that message as the queue extension delivers it, sends
/// the Web Push to the local push service, which checks the VAPID token and decrypts the body.
/// </summary>
public sealed class PushSendFunctionTests : IAsyncLifetime
{
    private AzuriteServer? _azurite;
    private LocalPushService _pushService = null!;
    private FunctionsAppServices _app = null!;

    private static bool Enabled => AzuriteServer.QueueBinary is not null || AzuriteServer.Required;

    public async Task InitializeAsync()
    {
        if (!Enabled)
        {
            return;
        }
        _azurite = await AzuriteServer.StartQueueAsync();
        _pushService = await LocalPushService.StartAsync();
        var (publicKey, privateKey) = VapidKeys.Generate();
        _app = await FunctionsAppServices.StartAsync(settings: new Dictionary<string, string?>
        {
            [WebJobsQueues.ConnectionName] = _azurite.ConnectionString,
            ["Push:VapidSubject"] = "mailto:functions-push@example.test",
            ["Push:VapidPublicKey"] = publicKey,
            ["Push:VapidPrivateKey"] = privateKey,
            ["Push:AllowInsecureEndpoints"] = "true",
            ["Push:IncludePreview"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        if (!Enabled)
        {
            return;
        }
        await _app.DisposeAsync();
        await _pushService.DisposeAsync();
        await _azurite!.DisposeAsync();
    }

    [SkippableFact]
    public async Task TheQueuedJobOfASendBecomesAnEncryptedPushToTheOfflineRecipient()
    {
        Skip.IfNot(Enabled, AzuriteServer.SkipReason);
        var alice = await _app.RegisterAsync("fnpush");
        var bob = await _app.RegisterAsync("fnpush");
        var phone = _pushService.NewSubscription();
        var (subscribed, _, _) = await _app.InvokeAsync("PushFunctions", "SubscribePush",
            FunctionsAppServices.Request("POST", "/api/push/subscriptions", JsonSerializer.Serialize(phone.Body), bob.Token));
        Assert.Equal(HttpStatusCode.Created, subscribed);

        var (status, _, sent) = await _app.InvokeAsync("MessagesFunctions", "SendMessage", FunctionsAppServices.Request(
            "POST", "/api/messages", $$"""{"receiverId":"{{bob.UserId}}","content":"queued for the phone"}""", alice.Token));
        Assert.Equal(HttpStatusCode.Created, status);

        // The send only queued the job (it is there once the send has answered) and pushed nothing itself.
        var queue = new QueueClient(_azurite!.ConnectionString, StoragePushQueue.QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var queued = (await queue.ReceiveMessageAsync()).Value;
        Assert.NotNull(queued);
        Assert.False(phone.Received.Reader.TryRead(out _));

        var (boundQueue, connection) = await _app.InvokeQueueFunctionAsync("PushSend", queued.Body.ToString());

        Assert.Equal((StoragePushQueue.QueueName, WebJobsQueues.ConnectionName), (boundQueue, connection));
        // The handler decides and queues the push in its origin's delivery lane, which sends it right away.
        var push = await phone.NextAsync();
        Assert.True(push.Error is null, push.Error);
        Assert.Equal((int)HttpStatusCode.Created, push.Answered);
        var expected = new JsonObject
        {
            ["type"] = "newMessage",
            ["conversationId"] = (string)sent!["conversationId"]!,
            ["messageId"] = (string)sent["id"]!,
            ["senderId"] = alice.UserId,
            ["senderName"] = alice.Username,
            ["preview"] = "queued for the phone",
        };
        Assert.True(JsonNode.DeepEquals(expected, push.Payload), push.Payload?.ToJsonString());
        Assert.Equal("high", push.Urgency);
    }

    [SkippableFact]
    public async Task AMalformedQueueMessageThrowsSoTheQueueRetriesItAndThenPoisonsIt()
    {
        Skip.IfNot(Enabled, AzuriteServer.SkipReason);
        await Assert.ThrowsAnyAsync<JsonException>(() => _app.InvokeQueueFunctionAsync("PushSend", "{\"messageId\":"));
    }
}
