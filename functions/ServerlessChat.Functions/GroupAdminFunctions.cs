using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

/// <summary>Group administration and invites: one function per route, each handing off to Core.</summary>
public sealed class GroupAdminFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(GroupAdminApi.UpdateGroup))]
    public Task UpdateGroup([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ChatRoutes.GroupById)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(GroupAdminApi.UpdateGroup), request.HttpContext, [new("id", id)]);

    [Function(nameof(GroupAdminApi.AddGroupAdmin))]
    public Task AddGroupAdmin([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.GroupAdmin)] HttpRequest request, string id, string userId) =>
        invoker.InvokeAsync(nameof(GroupAdminApi.AddGroupAdmin), request.HttpContext, [new("id", id), new("userId", userId)]);

    [Function(nameof(GroupAdminApi.RemoveGroupAdmin))]
    public Task RemoveGroupAdmin([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.GroupAdmin)] HttpRequest request, string id, string userId) =>
        invoker.InvokeAsync(nameof(GroupAdminApi.RemoveGroupAdmin), request.HttpContext, [new("id", id), new("userId", userId)]);

    [Function(nameof(GroupAdminApi.MuteGroupMember))]
    public Task MuteGroupMember([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.GroupMutedMember)] HttpRequest request, string id, string userId) =>
        invoker.InvokeAsync(nameof(GroupAdminApi.MuteGroupMember), request.HttpContext, [new("id", id), new("userId", userId)]);

    [Function(nameof(GroupAdminApi.UnmuteGroupMember))]
    public Task UnmuteGroupMember([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.GroupMutedMember)] HttpRequest request, string id, string userId) =>
        invoker.InvokeAsync(nameof(GroupAdminApi.UnmuteGroupMember), request.HttpContext, [new("id", id), new("userId", userId)]);

    [Function(nameof(InvitesApi.CreateInvite))]
    public Task CreateInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.GroupInvites)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(InvitesApi.CreateInvite), request.HttpContext, [new("id", id)]);

    [Function(nameof(InvitesApi.ListInvites))]
    public Task ListInvites([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.GroupInvites)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(InvitesApi.ListInvites), request.HttpContext, [new("id", id)]);

    [Function(nameof(InvitesApi.RevokeInvite))]
    public Task RevokeInvite([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.GroupInvite)] HttpRequest request, string id, string token) =>
        invoker.InvokeAsync(nameof(InvitesApi.RevokeInvite), request.HttpContext, [new("id", id), new("token", token)]);

    [Function(nameof(InvitesApi.GetInvite))]
    public Task GetInvite([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.InviteByToken)] HttpRequest request, string token) =>
        invoker.InvokeAsync(nameof(InvitesApi.GetInvite), request.HttpContext, [new("token", token)]);

    [Function(nameof(InvitesApi.JoinByInvite))]
    public Task JoinByInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.InviteJoin)] HttpRequest request, string token) =>
        invoker.InvokeAsync(nameof(InvitesApi.JoinByInvite), request.HttpContext, [new("token", token)]);
}
