using ServerlessChat.Core.Assistant;

namespace ServerlessChat.Standalone.Assistant;

public static class StandaloneAssistant
{
    /// <summary>The standalone host's side of the assistant: an in-process queue and the worker that drains it.</summary>
    public static IHostApplicationBuilder AddStandaloneAssistant(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InProcessAssistantQueue>();
        builder.Services.AddSingleton<IAssistantQueue>(sp => sp.GetRequiredService<InProcessAssistantQueue>());
        builder.Services.AddHostedService<AssistantWorker>();
        return builder;
    }
}
