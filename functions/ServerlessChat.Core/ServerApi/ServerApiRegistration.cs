using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.ServerApi;

public static class ServerApiRegistration
{
    /// <summary>The server API's credentials (validated at start: a malformed hash refuses the start) and its service.</summary>
    public static IHostApplicationBuilder AddServerApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ServerApiOptions>().BindConfiguration(ServerApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ServerApiKeys>();
        services.AddSingleton<ServerEntraTokens>();
        services.AddSingleton<ServerApiService>();
        return builder;
    }
}
