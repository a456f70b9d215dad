using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Push;

namespace ServerlessChat.Functions;

/// <summary>Web Push: one function per route, each handing off to Core, and the queue trigger that sends.</summary>
public sealed class PushFunctions(ChatEndpointInvoker invoker, PushDispatcher dispatcher)
{
    [Function(nameof(PushApi.GetVapidPublicKey))]
    public Task GetVapidPublicKey([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.PushVapidPublicKey)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(PushApi.GetVapidPublicKey), request.HttpContext);

    [Function(nameof(PushApi.SubscribePush))]
    public Task SubscribePush([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.PushSubscriptions)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(PushApi.SubscribePush), request.HttpContext);

    [Function(nameof(PushApi.UnsubscribePush))]
    public Task UnsubscribePush([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.PushSubscriptions)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(PushApi.UnsubscribePush), request.HttpContext);

    [Function(nameof(PushApi.ListMutes))]
    public Task ListMutes([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.PushMutes)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(PushApi.ListMutes), request.HttpContext);

    [Function(nameof(PushApi.MuteConversation))]
    public Task MuteConversation([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.ConversationMute)] HttpRequest request, string conversationId) =>
        invoker.InvokeAsync(nameof(PushApi.MuteConversation), request.HttpContext, [new("conversationId", conversationId)]);

    [Function(nameof(PushApi.UnmuteConversation))]
    public Task UnmuteConversation([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.ConversationMute)] HttpRequest request, string conversationId) =>
        invoker.InvokeAsync(nameof(PushApi.UnmuteConversation), request.HttpContext, [new("conversationId", conversationId)]);

    /// <summary>
    /// Pushes one stored message to its offline recipients and completes once every push is over (push services'
    /// 429/5xx are retried inside, each origin in its own lane). A throw (the database unreachable, the instance
    /// stopping first) leaves the message on the queue to be retried, then push-requests-poison.
    /// </summary>
    [Function("PushSend")]
    public Task PushSend([QueueTrigger(StoragePushQueue.QueueName, Connection = StoragePushQueue.ConnectionName)] string message, CancellationToken ct) =>
        dispatcher.HandleAsync(StoragePushQueue.Parse(message), ct, awaitDelivery: true);
}
