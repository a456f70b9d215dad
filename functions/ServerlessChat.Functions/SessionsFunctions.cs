using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class SessionsFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(SessionsApi.ListSessions))]
    public Task ListSessions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Sessions)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(SessionsApi.ListSessions), request.HttpContext);

    [Function(nameof(SessionsApi.EndSession))]
    public Task EndSession([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.SessionById)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(SessionsApi.EndSession), request.HttpContext);

    [Function(nameof(SessionsApi.EndOtherSessions))]
    public Task EndOtherSessions([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.Sessions)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(SessionsApi.EndOtherSessions), request.HttpContext);

    [Function(nameof(SessionsApi.ChangePassword))]
    public Task ChangePassword([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Password)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(SessionsApi.ChangePassword), request.HttpContext);
}
