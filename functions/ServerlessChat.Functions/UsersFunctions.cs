using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class UsersFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(UsersApi.GetMe))]
    public Task GetMe([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Me)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(UsersApi.GetMe), request.HttpContext);

    [Function(nameof(PrivacyApi.SetPrivacy))]
    public Task SetPrivacy([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ChatRoutes.MyPrivacy)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(PrivacyApi.SetPrivacy), request.HttpContext);

    [Function(nameof(UsersApi.GetUser))]
    public Task GetUser([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.UserById)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(UsersApi.GetUser), request.HttpContext);

    [Function(nameof(UsersApi.UpdateMe))]
    public Task UpdateMe([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ChatRoutes.Me)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(UsersApi.UpdateMe), request.HttpContext);

    [Function(nameof(UsersApi.SearchUsers))]
    public Task SearchUsers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Users)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(UsersApi.SearchUsers), request.HttpContext);
}
