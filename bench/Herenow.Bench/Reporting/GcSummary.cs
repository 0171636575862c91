using System.Globalization;
using Herenow.Bench.Counters;

namespace Herenow.Bench.Reporting;

/// <summary>
/// GC pauses in the report: each figure gets the longest pause (and the count and total) per process group that
/// started while it ran; the summary figure <c>gc</c> collects the longest per figure and the longest of the whole
/// report (rebuilt after every figure, across appended invocations). Goal (issue 18): under 100 ms.
/// </summary>
public static class GcSummary
{
    public const string Id = "gc";
    private const string Longest = "longest GC pause: ";

    public static IEnumerable<Metric> Metrics(IReadOnlyDictionary<string, GcPauseSummary> pauses)
    {
        foreach (var (group, s) in pauses.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            yield return new Metric(Longest + group, s.LongestMs, "ms");
            yield return new Metric(string.Create(CultureInfo.InvariantCulture, $"GC pauses: {group} ({s.TotalMs:F0} ms paused in all)"), s.Count, "pauses");
        }
    }

    /// <summary>Replaces the summary figure with one built from every figure's GC metrics (none: no summary).</summary>
    public static void Refresh(BenchReport report)
    {
        report.Figures.RemoveAll(f => f.Id == Id);
        var rows = report.Figures
            .SelectMany(f => f.Metrics.Where(m => m.Name.StartsWith(Longest, StringComparison.Ordinal))
                .Select(m => (Figure: f.Id, Group: m.Name[Longest.Length..], m.Value)))
            .ToList();
        if (rows.Count == 0) return;
        var metrics = new List<Metric>();
        foreach (var group in rows.Select(r => r.Group).Distinct().Order(StringComparer.Ordinal))
        {
            var worst = rows.Where(r => r.Group == group).MaxBy(r => r.Value);
            metrics.Add(new Metric($"longest GC pause during the bench: {group} (in {worst.Figure}; goal < 100 ms)", worst.Value, "ms"));
        }
        metrics.AddRange(rows.Select(r => new Metric($"{r.Figure}: {r.Group}", r.Value, "ms")));
        report.Figures.Add(new FigureResult(Id, "11. Longest GC pause per figure", "Every GC pause of the silo(s) and the API, from the runtime's own events over EventPipe (GCSuspendEEBegin for a GC to GCRestartEEEnd: the time no managed thread of that process runs), recorded for the whole harness run; each figure reports the longest pause that started while it ran, per process group (`silo`: all silos of the run). Figures run in separate harness invocations (the 3-silo and memory figures) watch the processes of their own service start.",
            metrics, [], report.Figures.Count == 0 ? 0 : report.Figures.Min(f => f.StartS), report.Figures.Count == 0 ? 0 : report.Figures.Max(f => f.EndS)));
    }
}
