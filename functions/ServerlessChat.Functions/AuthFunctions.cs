using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Auth;

namespace ServerlessChat.Functions;

public sealed class AuthFunctions(ChatEndpointInvoker invoker, PasswordResetMailer resetMailer)
{
    [Function(nameof(AuthApi.Register))]
    public Task Register([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Register)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AuthApi.Register), request.HttpContext);

    [Function(nameof(AuthApi.Login))]
    public Task Login([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Login)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AuthApi.Login), request.HttpContext);

    [Function(nameof(AuthApi.Refresh))]
    public Task Refresh([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Refresh)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AuthApi.Refresh), request.HttpContext);

    [Function(nameof(AuthApi.Logout))]
    public Task Logout([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.Logout)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AuthApi.Logout), request.HttpContext);

    [Function(nameof(AuthApi.RequestPasswordReset))]
    public Task RequestPasswordReset([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.PasswordReset)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AuthApi.RequestPasswordReset), request.HttpContext);

    [Function(nameof(AuthApi.ConfirmPasswordReset))]
    public Task ConfirmPasswordReset([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ChatRoutes.PasswordResetConfirm)] HttpRequest request) =>
        invoker.InvokeAsync(nameof(AuthApi.ConfirmPasswordReset), request.HttpContext);

    /// <summary>
    /// Does the work of one reset request: the lookup, the token, the email. A throw (the database or SMTP
    /// unreachable) leaves the message on the queue to be retried, then password-resets-poison.
    /// </summary>
    [Function("PasswordResetSend")]
    public Task PasswordResetSend([QueueTrigger(StoragePasswordResetQueue.QueueName, Connection = StoragePasswordResetQueue.ConnectionName)] string message, CancellationToken ct) =>
        resetMailer.HandleAsync(StoragePasswordResetQueue.Parse(message), ct);
}
