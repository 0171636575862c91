using ScottPlot;

namespace Herenow.Bench.Reporting;

/// <summary>
/// chart.png: per-second latency percentiles (p50/p90/p99/max, log scale, left axis) and throughput (right axis)
/// over the whole run, with a line where each figure starts. Points are markers, not lines: two loads running at
/// once (figure 3) give two points in one second, and a line between them would invent a trend.
/// </summary>
public static class ChartWriter
{
    public static void Write(BenchReport report, string path, int width = 1600, int height = 800)
    {
        var plot = new Plot();
        plot.Title($"Herenow {report.Commit} · {report.Date} · {report.Machine.Nproc} CPUs");
        var points = report.Timeline.OrderBy(p => p.TimeS).ToList();
        var xs = points.Select(p => p.TimeS).ToArray();
        if (points.Count > 0)
        {
            AddLatency(plot, xs, points.Select(p => p.MaxMs).ToArray(), "max", Colors.Gray);
            AddLatency(plot, xs, points.Select(p => p.P99Ms).ToArray(), "p99", Colors.Red);
            AddLatency(plot, xs, points.Select(p => p.P90Ms).ToArray(), "p90", Colors.Orange);
            AddLatency(plot, xs, points.Select(p => p.P50Ms).ToArray(), "p50", Colors.Green);
            var throughput = plot.Add.ScatterPoints(xs, points.Select(p => (double)p.Count).ToArray());
            throughput.Axes.YAxis = plot.Axes.Right;
            throughput.Color = Colors.Blue.WithAlpha(0.5);
            throughput.MarkerSize = 3;
            throughput.LegendText = "requests/s (right)";
            plot.Axes.SetLimitsY(0, Math.Max(1, points.Max(p => p.Count)) * 1.1, plot.Axes.Right);
        }
        foreach (var figure in report.Figures.Where(f => f.Id != GcSummary.Id))
        {
            var line = plot.Add.VerticalLine(figure.StartS);
            line.Color = Colors.Black.WithAlpha(0.3);
            line.LinePattern = LinePattern.Dashed;
            line.Text = figure.Id;
        }

        // Log scale: plot log10(ms) and label the ticks with the real values.
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = "latency per second (ms, log)";
        plot.Axes.Right.Label.Text = "completed requests per second";
        plot.Axes.Bottom.Label.Text = "seconds since the harness started";
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, width, height);
    }

    private static void AddLatency(Plot plot, double[] xs, double[] ms, string label, Color color)
    {
        var series = plot.Add.ScatterPoints(xs, ms.Select(v => Math.Log10(Math.Max(v, 0.01))).ToArray());
        series.Color = color;
        series.MarkerSize = 4;
        series.LegendText = label;
    }
}
