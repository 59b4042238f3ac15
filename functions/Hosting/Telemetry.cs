using System.Runtime.CompilerServices;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using Hearth.Durable;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Hearth.Functions.Hosting;

/// <summary>
/// OpenTelemetry traces and metrics, beside the logs: HTTP requests in and out, PostgreSQL commands (Npgsql's own
/// source), every job run of the durable runtime, and the .NET runtime's metrics. They go to Application Insights when
/// APPLICATIONINSIGHTS_CONNECTION_STRING is set (Azure), else to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is
/// set (the OTEL_* variables configure it), else nowhere: without a destination nothing is collected.
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "hearth";

    public const string ApplicationInsightsKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static void AddHearthTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        // A malformed connection string would stop the host deep inside the exporter; name the key instead.
        builder.Services.AddSettingsCheck((settings, _) =>
            settings[ApplicationInsightsKey] is { Length: > 0 } value && !value.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase)
                ? [SettingProblem.Invalid(ApplicationInsightsKey, "is not an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…)")]
                : []);
        var azureMonitor = !string.IsNullOrWhiteSpace(configuration[ApplicationInsightsKey]);
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (azureMonitor || otlp) Export(builder, azureMonitor);
    }

    // Apart, and never inlined, so a host without a destination never loads OpenTelemetry and its exporters.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Export(WebApplicationBuilder builder, bool azureMonitor)
    {
        var configuration = builder.Configuration;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? ServiceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource("Npgsql")
                .AddSource(DurableTelemetry.Name))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql")
                .AddMeter(DurableTelemetry.Name));
        if (azureMonitor) telemetry.UseAzureMonitor();
        else telemetry.UseOtlpExporter();
    }

    /// <summary>Health probes every few seconds would drown the traces that matter.</summary>
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
