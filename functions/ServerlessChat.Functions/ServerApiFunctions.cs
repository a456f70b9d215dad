using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class ServerApiFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(IntegratorApi.UpsertServerUser))]
    public Task UpsertServerUser([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.ServerUser)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.UpsertServerUser), request.HttpContext);

    [Function(nameof(IntegratorApi.EraseServerUser))]
    public Task EraseServerUser([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.ServerUser)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.EraseServerUser), request.HttpContext);

    [Function(nameof(IntegratorApi.StartServerSession))]
    public Task StartServerSession([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.ServerUserSessions)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.StartServerSession), request.HttpContext);

    [Function(nameof(IntegratorApi.SetServerUserRole))]
    public Task SetServerUserRole([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.ServerUserRole)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.SetServerUserRole), request.HttpContext);

    [Function(nameof(IntegratorApi.CreateServerGroup))]
    public Task CreateServerGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.ServerGroups)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.CreateServerGroup), request.HttpContext);

    [Function(nameof(IntegratorApi.UpdateServerGroupMembers))]
    public Task UpdateServerGroupMembers([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.ServerGroupMembers)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.UpdateServerGroupMembers), request.HttpContext);

    [Function(nameof(IntegratorApi.SendServerMessage))]
    public Task SendServerMessage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.ServerMessages)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(IntegratorApi.SendServerMessage), request.HttpContext);
}
