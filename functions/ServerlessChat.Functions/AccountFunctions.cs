using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Account;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Functions;

public sealed class AccountFunctions(ChatEndpointInvoker invoker, AccountJobs jobs)
{
    [Function(nameof(AccountApi.DeleteAccount))]
    public Task DeleteAccount([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ChatRoutes.Me)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AccountApi.DeleteAccount), request.HttpContext);

    [Function(nameof(AccountApi.RequestExport))]
    public Task RequestExport([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.MyExport)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AccountApi.RequestExport), request.HttpContext);

    [Function(nameof(AccountApi.GetExport))]
    public Task GetExport([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ChatRoutes.MyExportById)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AccountApi.GetExport), request.HttpContext);

    /// <summary>Erasures and exports; a failed one is retried by the trigger (each step is idempotent), then poisoned.</summary>
    [Function("AccountJob")]
    public Task AccountJob([QueueTrigger(StorageAccountJobQueue.QueueName, Connection = StorageAccountJobQueue.ConnectionName)] string message, CancellationToken ct) =>
        jobs.HandleAsync(StorageAccountJobQueue.Parse(message), ct);
}
