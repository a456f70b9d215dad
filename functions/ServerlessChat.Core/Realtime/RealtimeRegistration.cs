using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Realtime;

public static class RealtimeRegistration
{
    /// <summary>
    /// The host-neutral realtime services: presence, typing, call signaling. A host adds its
    /// <see cref="IRealtimePublisher"/> and <see cref="INegotiator"/>, and runs
    /// <see cref="PresenceService.ExpireStaleAsync"/> periodically.
    /// </summary>
    public static IHostApplicationBuilder AddChatRealtime(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HubConnectionLimitOptions>().BindConfiguration(HubConnectionLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HubConnectionCap>();
        services.AddOptions<CallsOptions>().BindConfiguration(CallsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Access.PrivacyOptions>().BindConfiguration(Access.PrivacyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Access.ConversationAccess>();
        services.AddSingleton<Access.PrivacyService>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<TypingService>();
        services.AddSingleton<CallSignaling>();
        return builder;
    }
}
