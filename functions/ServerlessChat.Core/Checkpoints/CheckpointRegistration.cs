using Microsoft.Extensions.DependencyInjection;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Checkpoints;

public static class CheckpointRegistration
{
    /// <summary>
    /// Registers a host's realtime publisher as the <see cref="IRealtimePublisher"/> Core uses, with checkpoints:
    /// the publisher reports a delivery it could not make to the <see cref="CheckpointLedger"/>.
    /// </summary>
    public static IServiceCollection AddRealtimePublisher<TPublisher>(this IServiceCollection services)
        where TPublisher : class, IRealtimePublisher
    {
        services.AddSingleton<TPublisher>();
        services.AddSingleton<CheckpointLedger>();
        services.AddSingleton<IRealtimePublisher>(sp => new CheckpointingPublisher(sp.GetRequiredService<TPublisher>(), sp.GetRequiredService<CheckpointLedger>()));
        services.AddHostedService<CheckpointSender>();
        return services;
    }
}
