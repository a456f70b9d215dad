using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class ModerationFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(ModerationApi.FileReport))]
    public Task FileReport([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Reports)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.FileReport), request.HttpContext);

    [Function(nameof(ModerationApi.ListReports))]
    public Task ListReports([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.ModerationReports)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.ListReports), request.HttpContext);

    [Function(nameof(ModerationApi.ResolveReport))]
    public Task ResolveReport([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.ModerationReportResolve)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.ResolveReport), request.HttpContext);

    [Function(nameof(ModerationApi.RemoveMessage))]
    public Task RemoveMessage([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.ModerationMessage)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.RemoveMessage), request.HttpContext);

    [Function(nameof(ModerationApi.SuspendUser))]
    public Task SuspendUser([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.ModerationSuspension)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.SuspendUser), request.HttpContext);

    [Function(nameof(ModerationApi.LiftSuspension))]
    public Task LiftSuspension([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.ModerationSuspension)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.LiftSuspension), request.HttpContext);

    [Function(nameof(ModerationApi.SetRole))]
    public Task SetRole([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.ModerationRole)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.SetRole), request.HttpContext);

    [Function(nameof(ModerationApi.ListAudit))]
    public Task ListAudit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.ModerationAudit)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ModerationApi.ListAudit), request.HttpContext);
}
