using System.Globalization;
using System.Text;

namespace Herenow.Bench.Reporting;

/// <summary>results.md: a stamp (date, commit, machine), one table of every figure against its baseline, then the steps.</summary>
public static class MarkdownReport
{
    public static string Render(BenchReport report)
    {
        var md = new StringBuilder();
        void Line(FormattableString s) => md.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        Line($"# Herenow benchmark — {report.Date}");
        md.AppendLine();
        Line($"- commit `{report.Commit}`, profile `{report.Profile}`");
        Line($"- machine: {report.Machine.Nproc} CPUs ({report.Machine.CpuModel}), {report.Machine.RamGb} GB RAM, {report.Machine.Os}, {report.Machine.Dotnet}");
        foreach (var (key, value) in report.Settings) Line($"- {key}: {value}");
        md.AppendLine();
        md.AppendLine("Every figure is an absolute number and a ratio to a baseline measured in the same run: `GET /health/live` of the");
        md.AppendLine("same API process, found with the same method and threshold. Client, API, silo(s) and PostgreSQL share this host.");
        md.AppendLine("Counts per request (commits, statements, WAL bytes, grain calls, CPU ms per process) are deltas of cumulative");
        md.AppendLine("counters around the reported fixed-rate step divided by its successful requests: noise on the host moves them little.");
        md.AppendLine();
        md.AppendLine("| Figure | Metric | Value | Baseline | Ratio |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var figure in report.Figures)
        {
            foreach (var m in figure.Metrics)
            {
                var baseline = m.Baseline is { } b ? Format(b, m.Unit) + (m.BaselineWhat is null ? "" : $" ({m.BaselineWhat})") : "—";
                var ratio = m.Ratio is { } r ? r.ToString(r < 10 ? "F2" : "F0", CultureInfo.InvariantCulture) + "×" : "—";
                Line($"| {figure.Title} | {m.Name} | {Format(m.Value, m.Unit)} | {baseline} | {ratio} |");
            }
        }
        md.AppendLine();
        md.AppendLine("![latency percentiles and throughput per second](chart.png)");
        md.AppendLine();
        md.AppendLine("## Method and steps");
        foreach (var figure in report.Figures)
        {
            md.AppendLine();
            Line($"### {figure.Title}");
            md.AppendLine();
            md.AppendLine(figure.Method);
            if (figure.Steps.Count == 0) continue;
            md.AppendLine();
            md.AppendLine("| Run | Target /s | Achieved /s | p50 ms | p90 ms | p99 ms | max ms | Requests | Errors | Send lag p99 ms | Conns | Per request (counted steps) |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var s in figure.Steps)
            {
                Line($"| {s.Name} | {(s.TargetRate is { } t ? t.ToString("F0", CultureInfo.InvariantCulture) : "closed")} | {s.AchievedRate:F0} | {s.P50Ms:F2} | {s.P90Ms:F2} | {s.P99Ms:F2} | {s.MaxMs:F1} | {s.Requests} | {s.Errors} | {s.SendLagP99Ms:F2} | {s.Connections} | {s.Cost?.Summary ?? ""} |");
            }
        }
        return md.ToString();
    }

    private static string Format(double value, string unit) => unit switch
    {
        "/s" => value.ToString("F0", CultureInfo.InvariantCulture) + " /s",
        "ms" => value.ToString(value < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) + " ms",
        "" => value.ToString("F2", CultureInfo.InvariantCulture),
        "ms CPU" => value.ToString("F3", CultureInfo.InvariantCulture) + " ms CPU",
        "pauses" or "posts" => value.ToString("F0", CultureInfo.InvariantCulture) + " " + unit,
        "commits" or "statements" or "calls" or "writes" => value.ToString("F2", CultureInfo.InvariantCulture) + " " + unit,
        "B" => value.ToString("F0", CultureInfo.InvariantCulture) + " B",
        _ => value.ToString("F1", CultureInfo.InvariantCulture) + " " + unit,
    };
}
