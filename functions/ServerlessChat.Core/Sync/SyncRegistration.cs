using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Sync;

public static class SyncRegistration
{
    public static IHostApplicationBuilder AddChatSync(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SyncService>();
        builder.Services.AddHostedService<ChangeLogRetention>();
        return builder;
    }
}
