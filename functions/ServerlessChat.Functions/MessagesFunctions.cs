using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class MessagesFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(MessagesApi.SendMessage))]
    public Task SendMessage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Messages)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(MessagesApi.SendMessage), request.HttpContext);

    [Function(nameof(MessagesApi.GetMessages))]
    public Task GetMessages([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Messages)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(MessagesApi.GetMessages), request.HttpContext);

    [Function(nameof(EditsApi.EditMessage))]
    public Task EditMessage([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ChatRoutes.MessageById)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(EditsApi.EditMessage), request.HttpContext, [new("id", id)]);

    [Function(nameof(EditsApi.GetMessageEdits))]
    public Task GetMessageEdits([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.MessageEdits)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(EditsApi.GetMessageEdits), request.HttpContext, [new("id", id)]);

    [Function(nameof(MessagesApi.DeleteMessage))]
    public Task DeleteMessage([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.MessageById)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(MessagesApi.DeleteMessage), request.HttpContext, [new("id", id)]);

    [Function(nameof(MessagesApi.MarkRead))]
    public Task MarkRead([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.MessagesRead)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(MessagesApi.MarkRead), request.HttpContext);

    [Function(nameof(MessagesApi.GetConversations))]
    public Task GetConversations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Conversations)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(MessagesApi.GetConversations), request.HttpContext);
}
