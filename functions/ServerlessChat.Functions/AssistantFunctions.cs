using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Assistant;

namespace ServerlessChat.Functions;

public sealed class AssistantFunctions(ChatEndpointInvoker invoker, AssistantResponder responder)
{
    [Function(nameof(AssistantApi.GetAssistant))]
    public Task GetAssistant([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Assistant)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AssistantApi.GetAssistant), request.HttpContext);

    /// <summary>
    /// Answers a message to the assistant. A throw (e.g. the database unreachable) leaves the message on the
    /// queue to be retried and, after the host's maxDequeueCount, moved to assistant-requests-poison; a retry
    /// never replies twice.
    /// </summary>
    [Function("AssistantReply")]
    public Task AssistantReply([QueueTrigger(StorageAssistantQueue.QueueName, Connection = StorageAssistantQueue.ConnectionName)] string message, CancellationToken ct) =>
        responder.HandleAsync(StorageAssistantQueue.Parse(message), ct);
}
