using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using ServerlessChat.Core.Telemetry;

namespace ServerlessChat.Functions;

public static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// The worker's logs, traces and metrics (Core's, outgoing HTTP and the invocations', correlated with the
    /// Functions host) to Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set, as the Bicep
    /// sets it. The component refuses local (key) ingestion, so the exporter signs in with the managed identity
    /// that APPLICATIONINSIGHTS_AUTHENTICATION_STRING names ("ClientId=...;Authorization=AAD").
    /// </summary>
    public static IOpenTelemetryBuilder AddFunctionsTelemetry(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.AddChatTelemetry().UseFunctionsWorkerDefaults();
        var connectionString = builder.Configuration[ConnectionStringSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var clientId = ClientIdOf(builder.Configuration[AuthenticationStringSetting]);
            // Spans only where they are exported: a tracer provider without an exporter records them all the same.
            telemetry.WithTracing(tracing => tracing.AddChatTracing()).UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (clientId is not null)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
                }
            });
        }

        return telemetry;
    }

    private static string? ClientIdOf(string? authenticationString) =>
        authenticationString?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair[1])
            .FirstOrDefault();
}
