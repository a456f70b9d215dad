using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Moderation;

public static class ModerationRegistration
{
    /// <summary>
    /// The content filter (options validated at start, so an invalid pattern refuses the start; built at start), and
    /// reports, roles and suspensions.
    /// </summary>
    public static IHostApplicationBuilder AddChatModeration(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ContentFilterOptions>().BindConfiguration(ContentFilterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ContentFilter>();
        services.AddHostedService<ContentFilterStartup>();
        services.AddOptions<ModerationOptions>().BindConfiguration(ModerationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ModerationRoles>();
        services.AddSingleton<SuspensionDirectory>();
        services.AddSingleton<ModerationService>();
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
