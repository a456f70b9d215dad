using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

/// <summary>Threads: one function per route, each handing off to Core.</summary>
public sealed class ThreadsFunctions(ChatEndpointInvoker invoker)
{
    [Function(nameof(ThreadsApi.GetThread))]
    public Task GetThread([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.MessageThread)] HttpRequest request, string id) =>
        invoker.InvokeAsync(nameof(ThreadsApi.GetThread), request.HttpContext, [new("id", id)]);

    [Function(nameof(ThreadsApi.ListThreads))]
    public Task ListThreads([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.Threads)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(ThreadsApi.ListThreads), request.HttpContext);
}
