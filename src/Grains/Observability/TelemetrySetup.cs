using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Herenow.Grains.Observability;

/// <summary>
/// The OpenTelemetry set-up shared by the API and the silos: Herenow's, Orleans', Npgsql's, HttpClient's and the
/// runtime's metrics; traces through Herenow, Orleans (grain calls, with activity propagation) and Npgsql; OTLP export
/// when an endpoint is configured. Each host adds its own pieces (ASP.NET Core, the Prometheus reader).
/// </summary>
public static class TelemetrySetup
{
    public const string OtlpEndpointKey = "Herenow:Telemetry:Otlp:Endpoint";

    /// <summary>Orleans 10's meter and activity sources (Orleans.Diagnostics.ActivitySources).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <param name="scraped">Whether the host serves /metrics (its admin port is on): then metrics are collected even
    /// without OTLP. With neither, no meter provider listens and instruments stay disabled (no cost per call).</param>
    public static IServiceCollection AddHerenowTelemetry(this IServiceCollection services, IConfiguration configuration,
        string serviceName, bool scraped, Action<MeterProviderBuilder>? metrics = null, Action<TracerProviderBuilder>? tracing = null)
    {
        var otlp = OtlpEndpoint(configuration);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"));
        if (!scraped && otlp is null)
        {
            return services;
        }
        telemetry.WithMetrics(m =>
            {
                m.AddMeter(HerenowTelemetry.Name, OrleansMeter, "Npgsql")
                    .AddRuntimeInstrumentation()
                    .AddHttpClientInstrumentation();
                metrics?.Invoke(m);
                if (otlp is not null) m.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        // Traces only go somewhere with an exporter: without one no tracer provider listens, so no span (and no Npgsql
        // span per query) is even created on the hot path. Tests observe spans with their own ActivityListener.
        if (otlp is not null)
        {
            telemetry.WithTracing(t =>
            {
                t.AddSource(HerenowTelemetry.Name).AddSource(OrleansSources)
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(SampleRatio(configuration))));
                tracing?.Invoke(t);
                t.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        }
        return services;
    }

    /// <summary>Herenow's key, else the standard OTEL_EXPORTER_OTLP_ENDPOINT; null when neither is set.</summary>
    public static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var value = configuration[OtlpEndpointKey];
        if (string.IsNullOrWhiteSpace(value)) value = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;
    }

    private static double SampleRatio(IConfiguration configuration) =>
        double.TryParse(configuration["Herenow:Telemetry:TraceSampleRatio"], System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : 1.0;
}
