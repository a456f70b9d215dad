using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class GroupsFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(GroupsApi.ListGroups))]
    public Task ListGroups([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Groups)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(GroupsApi.ListGroups), request.HttpContext);

    [Function(nameof(GroupsApi.CreateGroup))]
    public Task CreateGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Groups)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(GroupsApi.CreateGroup), request.HttpContext);

    [Function(nameof(GroupsApi.GetGroup))]
    public Task GetGroup([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.GroupById)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(GroupsApi.GetGroup), request.HttpContext, [new("id", id)]);

    [Function(nameof(GroupsApi.UpdateGroupMembers))]
    public Task UpdateGroupMembers([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.GroupMembers)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(GroupsApi.UpdateGroupMembers), request.HttpContext, [new("id", id)]);
}
