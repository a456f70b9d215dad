using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ServerlessChat.Core.Http;

public static class ChatErrorMiddleware
{
    /// <summary>
    /// For the standalone host: security headers on every answer and every exception as problem+json, including
    /// those raised while binding, before an endpoint filter runs.
    /// </summary>
    public static IApplicationBuilder UseChatErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            SecurityHeaders.Apply(context.Response);
            return Task.CompletedTask;
        });
        try
        {
            await next(context);
        }
        catch (Exception error) when (!context.Response.HasStarted)
        {
            await ChatProblems.WriteAsync(context, error);
        }
    });
}
