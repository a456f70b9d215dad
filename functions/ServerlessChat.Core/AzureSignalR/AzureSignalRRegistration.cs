using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Checkpoints;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.AzureSignalR;

public static class AzureSignalRRegistration
{
    /// <summary>
    /// Realtime through Azure SignalR Service in serverless mode: the REST publisher (retried by the standard
    /// resilience handler), the negotiator, and the options, whose connection string is checked at start.
    /// </summary>
    public static IHostApplicationBuilder AddAzureSignalRRealtime(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<AzureSignalROptions>()
            .BindConfiguration(AzureSignalROptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString ??= configuration[AzureSignalROptions.ConnectionStringSetting])
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<AzureSignalRAuthorization>();
        services.AddHttpClient(AzureSignalRRestClient.HttpClientName).AddStandardResilienceHandler();
        services.AddSingleton<AzureSignalRRestClient>();
        services.AddRealtimePublisher<AzureSignalRPublisher>();
        services.AddSingleton<INegotiator, AzureSignalRNegotiator>();
        services.AddSingleton<AzureSignalRUpstream>();
        services.AddSingleton<AzureSignalRSessionConnections>();
        return builder;
    }
}
