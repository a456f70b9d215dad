using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class SyncFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(SyncApi.Sync))]
    public Task Sync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Sync)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(SyncApi.Sync), request.HttpContext);
}
