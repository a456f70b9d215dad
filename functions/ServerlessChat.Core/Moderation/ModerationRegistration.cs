using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Moderation;

public static class ModerationRegistration
{
    /// <summary>The content filter: options validated at start (an invalid pattern refuses the start), built at start.</summary>
    public static IHostApplicationBuilder AddChatModeration(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ContentFilterOptions>().BindConfiguration(ContentFilterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ContentFilter>();
        services.AddHostedService<ContentFilterStartup>();
        return builder;
    }

    /// <summary>Builds the filter while the host starts, so the first request that needs it does not pay for 10,000 terms.</summary>
    private sealed class ContentFilterStartup(ContentFilter filter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(filter);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
