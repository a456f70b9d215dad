using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class AssistantFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(AssistantApi.GetAssistant))]
    public Task GetAssistant([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Assistant)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AssistantApi.GetAssistant), request.HttpContext);
}
