using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class HealthFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(HealthApi.GetHealth))]
    public Task GetHealth([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Health)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(HealthApi.GetHealth), request.HttpContext);
}
