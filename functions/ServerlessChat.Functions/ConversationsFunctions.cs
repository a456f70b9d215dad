using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

/// <summary>Reactions, search and blocking: one function per route, each handing off to Core.</summary>
public sealed class ConversationsFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(ReactionsApi.AddReaction))]
    public Task AddReaction([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.MessageReactions)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(ReactionsApi.AddReaction), request.HttpContext, [new("id", id)]);

    [Function(nameof(ReactionsApi.RemoveReaction))]
    public Task RemoveReaction([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.MessageReaction)] HttpRequest request, string id, string emoji) =>
        invoker.InvokeAsync(nameof(ReactionsApi.RemoveReaction), request.HttpContext, [new("id", id), new("emoji", emoji)]);

    [Function(nameof(SearchApi.SearchMessages))]
    public Task SearchMessages([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.SearchMessages)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(SearchApi.SearchMessages), request.HttpContext);

    [Function(nameof(BlockingApi.BlockUser))]
    public Task BlockUser([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.UserBlock)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(BlockingApi.BlockUser), request.HttpContext, [new("id", id)]);

    [Function(nameof(BlockingApi.UnblockUser))]
    public Task UnblockUser([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.UserBlock)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(BlockingApi.UnblockUser), request.HttpContext, [new("id", id)]);

    [Function(nameof(BlockingApi.GetBlockedUsers))]
    public Task GetBlockedUsers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.BlockedUsers)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(BlockingApi.GetBlockedUsers), request.HttpContext);
}
