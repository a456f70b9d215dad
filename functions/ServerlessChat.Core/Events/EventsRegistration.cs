using System.Net;
using Azure.Identity;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Events;

public static class EventsRegistration
{
    /// <summary>Options, the before-send hook as a send policy, and the events dispatcher (which a host runs).</summary>
    public static IHostApplicationBuilder AddChatEvents(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EventsOptions>, EventsOptionsValidator>();

        services.AddSingleton<MessagePolicies>();
        if (!string.IsNullOrEmpty(builder.Configuration[$"{EventsOptions.Section}:BeforeSend:Url"]))
        {
            services.AddSingleton<IMessagePolicy, BeforeSendHook>();
        }
        // Never follow a redirect (a receiver's redirect is its failure); the deadline is the hook's own timeout.
        services.AddHttpClient(BeforeSendHook.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddHttpClient(WebhookSink.HttpClientName)
            .ConfigureHttpClient((sp, client) => client.Timeout = TimeSpan.FromMilliseconds(sp.GetRequiredService<IOptions<EventsOptions>>().Value.DeliveryTimeoutMilliseconds))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // The answer's body is never read: at most this much is drained to keep the connection.
                MaxResponseDrainSize = 64 * 1024,
                AutomaticDecompression = DecompressionMethods.None,
            });

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EventsOptions>>().Value;
            return new EventGridPublisherClient(
                new Uri(options.EventGridTopicEndpoint!),
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }));
        });
        services.AddSingleton<ChatEventResolver>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EventsOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            var logs = sp.GetRequiredService<ILoggerFactory>();
            var sinks = options.Webhooks
                .Select(w => (IEventSink)new WebhookSink(w, sp.GetRequiredService<IHttpClientFactory>(), time, logs.CreateLogger<WebhookSink>()))
                .ToList();
            if (!string.IsNullOrEmpty(options.EventGridTopicEndpoint))
            {
                sinks.Add(new EventGridSink(sp.GetRequiredService<EventGridPublisherClient>(), logs.CreateLogger<EventGridSink>()));
            }
            return new EventDispatcher(
                sinks, sp.GetRequiredService<IChangeLog>(), sp.GetRequiredService<ChatEventResolver>(), sp.GetRequiredService<IOptions<EventsOptions>>(),
                sp.GetRequiredService<IOptions<SyncOptions>>(), time, logs.CreateLogger<EventDispatcher>());
        });
        return builder;
    }

    /// <summary>The standalone host: one dispatcher for the process's lifetime (the Functions app runs it in a timer function).</summary>
    public static IHostApplicationBuilder AddEventDispatchService(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<EventDispatchService>();
        return builder;
    }
}
