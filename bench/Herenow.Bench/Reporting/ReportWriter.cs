namespace Herenow.Bench.Reporting;

/// <summary>Writes results.json, results.md and chart.png into one directory.</summary>
public static class ReportWriter
{
    public static async Task WriteAsync(BenchReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        SiloComparison.Update(report);
        GcSummary.Refresh(report);
        await JsonReport.WriteAsync(report, Path.Combine(directory, "results.json"));
        await File.WriteAllTextAsync(Path.Combine(directory, "results.md"), MarkdownReport.Render(report));
        ChartWriter.Write(report, Path.Combine(directory, "chart.png"));
    }
}
