using Microsoft.AspNetCore.HttpLogging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Standalone;

public static class StandaloneTelemetry
{
    /// <summary>
    /// The request log line, Core's telemetry plus incoming requests; exported over OTLP when the standard OTEL_EXPORTER_OTLP_ENDPOINT
    /// is set (OTEL_EXPORTER_OTLP_PROTOCOL, _HEADERS and OTEL_SERVICE_NAME are honoured as the SDK reads them).
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
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation(options =>
            {
                // The SignalR clients put the access token in the query of the hub request.
                options.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
            }))
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return telemetry;
    }
}
