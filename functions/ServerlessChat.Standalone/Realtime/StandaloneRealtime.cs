using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.Realtime;

// Placeholder until the SignalR hub lands: realtime actions are dropped.
public static class StandaloneRealtime
{
    public static IHostApplicationBuilder AddStandaloneRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IRealtimePublisher, NullPublisher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapStandaloneRealtime(this IEndpointRouteBuilder app) => app;

    private sealed class NullPublisher : IRealtimePublisher
    {
        public Task PublishAsync(IReadOnlyList<RealtimeAction> actions, CancellationToken ct) => Task.CompletedTask;
    }
}
