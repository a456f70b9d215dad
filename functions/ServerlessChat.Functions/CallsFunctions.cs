using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class CallsFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(CallsApi.SignalCall))]
    public Task SignalCall([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.CallSignal)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(CallsApi.SignalCall), request.HttpContext);

    [Function(nameof(CallsApi.GetIceServers))]
    public Task GetIceServers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.IceServers)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(CallsApi.GetIceServers), request.HttpContext);
}
