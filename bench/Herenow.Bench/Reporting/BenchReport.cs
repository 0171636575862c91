using System.Text.Json.Serialization;
using Herenow.Bench.Runner;

namespace Herenow.Bench.Reporting;

/// <summary>
/// One figure's number, with the same-run baseline it is compared to (GET /health/live measured the same way).
/// Ratio = value / baseline; null when there is no meaningful baseline.
/// </summary>
public sealed record Metric(string Name, double Value, string Unit, double? Baseline = null, string? BaselineWhat = null)
{
    public double? Ratio => Baseline is > 0 ? Value / Baseline : null;
}

/// <summary>A step of a run, without its per-second points (those are in <see cref="BenchReport.Timeline"/>).</summary>
public sealed record StepSummary(string Name, double? TargetRate, double AchievedRate, double P50Ms, double P90Ms,
    double P99Ms, double MaxMs, long Requests, long Errors, IReadOnlyDictionary<string, long> Statuses,
    double SendLagP99Ms = 0, int Connections = 0, Counters.CostPerRequest? Cost = null)
{
    public static StepSummary From(RunResult r) =>
        new(r.Name, r.TargetRate, r.AchievedRate, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.Requests, r.Errors, r.Statuses,
            r.SendLagP99Ms, r.Connections, r.Cost);
}

public sealed record FigureResult(string Id, string Title, string Method, List<Metric> Metrics, List<StepSummary> Steps,
    double StartS, double EndS);

public sealed record MachineInfo(int Nproc, string CpuModel, double RamGb, string Os, string Dotnet);

/// <summary>Everything a run produced: results.json is this, results.md and chart.png are rendered from it.</summary>
public sealed class BenchReport
{
    public string Date { get; set; } = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    public string Commit { get; set; } = "unknown";
    public string Profile { get; set; } = "full";
    public MachineInfo Machine { get; set; } = MachineProbe.Read();
    public Dictionary<string, string> Settings { get; set; } = [];
    public List<FigureResult> Figures { get; set; } = [];
    public List<TimelinePoint> Timeline { get; set; } = [];

    /// <summary>Seconds already used by earlier invocations of an appended report, so the time axis continues.</summary>
    [JsonIgnore]
    public double TimeOffset => Timeline.Count == 0 ? 0 : Timeline.Max(p => p.TimeS) + 5;
}
