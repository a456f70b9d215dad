using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServerlessChat.Core.Telemetry;

public static class ChatTelemetryRegistration
{
    /// <summary>
    /// OpenTelemetry for logs and metrics: the app's own <see cref="ChatTelemetry"/> meter and outgoing HTTP calls.
    /// Traces are wired by the host beside the exporter that takes them (<see cref="AddChatTracing"/>): a tracer
    /// provider with nothing to export to would still record every span of every request.
    /// </summary>
    public static IOpenTelemetryBuilder AddChatTelemetry(this IHostApplicationBuilder builder)
    {
        // The hosting layer's "Request starting" line carries the full URL, access_token query included.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddOpenTelemetry(options =>
        {
            options.IncludeFormattedMessage = true;
            options.IncludeScopes = false;
        });

        return builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? "serverlesschat"))
            .WithMetrics(metrics => metrics
                .AddMeter(ChatTelemetry.Name)
                .AddHttpClientInstrumentation());
    }

    /// <summary>
    /// Spans of the app's own <see cref="ChatTelemetry"/> source and of outgoing HTTP calls (SignalR Service REST,
    /// Azure OpenAI), for a host to add together with an exporter. URLs are recorded without their query, where
    /// tokens could travel.
    /// </summary>
    public static TracerProviderBuilder AddChatTracing(this TracerProviderBuilder tracing) => tracing
        .AddSource(ChatTelemetry.Name)
        .AddHttpClientInstrumentation(options =>
        {
            options.EnrichWithHttpRequestMessage = (activity, request) => RedactQuery(activity, "url.full", request.RequestUri);
        });

    /// <summary>Replaces a URL tag by the URL without its query string.</summary>
    public static void RedactQuery(Activity activity, string tag, Uri? url)
    {
        if (url is { IsAbsoluteUri: true, Query.Length: > 0 })
        {
            activity.SetTag(tag, url.GetLeftPart(UriPartial.Path));
        }
    }
}
