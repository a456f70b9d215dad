using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

/// <summary>Pinned messages and read markers: one function per route, each handing off to Core.</summary>
public sealed class PinsFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(PinsApi.PinMessage))]
    public Task PinMessage([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.MessagePin)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(PinsApi.PinMessage), request.HttpContext, [new("id", id)]);

    [Function(nameof(PinsApi.UnpinMessage))]
    public Task UnpinMessage([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.MessagePin)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(PinsApi.UnpinMessage), request.HttpContext, [new("id", id)]);

    [Function(nameof(PinsApi.ListPins))]
    public Task ListPins([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.ConversationPins)] HttpRequest request, string conversationId) =>
        invoker.InvokeAsync(nameof(PinsApi.ListPins), request.HttpContext, [new("conversationId", conversationId)]);

    [Function(nameof(ReadMarkersApi.ListReadMarkers))]
    public Task ListReadMarkers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.ConversationReadMarkers)] HttpRequest request, string conversationId) =>
        invoker.InvokeAsync(nameof(ReadMarkersApi.ListReadMarkers), request.HttpContext, [new("conversationId", conversationId)]);
}
