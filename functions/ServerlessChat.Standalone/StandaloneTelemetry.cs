using Microsoft.AspNetCore.HttpLogging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Standalone;

public static class StandaloneTelemetry
{
    /// <summary>
    /// The request log line (at Information for Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware; off by
    /// default), Core's logs and metrics plus incoming requests' metrics; with the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT set, traces too, and all three exported over OTLP (OTEL_EXPORTER_OTLP_PROTOCOL,
    /// _HEADERS and OTEL_SERVICE_NAME are honoured as the SDK reads them). Without an exporter no span is
    /// recorded: nothing listens to the sources, so starting one returns null.
    /// </summary>
    public static IOpenTelemetryBuilder AddStandaloneTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpLogging(options =>
        {
            // One structured line per request (UseHttpLogging); no query, headers or bodies: tokens travel in them.
            options.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            options.CombineLogs = true;
        });
        var telemetry = builder.AddChatTelemetry()
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing.AddStandaloneTracing()).UseOtlpExporter();
        }

        return telemetry;
    }

    /// <summary>Core's spans and incoming requests', for a tracer provider that exports them.</summary>
    public static TracerProviderBuilder AddStandaloneTracing(this TracerProviderBuilder tracing) => tracing
        .AddChatTracing()
        .AddAspNetCoreInstrumentation(options =>
        {
            // The SignalR clients put the access token in the query of the hub request.
            options.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
        });
}
