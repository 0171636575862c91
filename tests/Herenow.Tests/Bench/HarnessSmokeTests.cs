using System.Text.Json;
using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;
using Herenow.Tests.Support;

namespace Herenow.Tests.Bench;

/// <summary>
/// A few seconds of the harness against the in-process API: the fixed-rate runner sends exactly what it scheduled,
/// and the report writer produces its three files. Nothing here asserts a latency or a rate.
/// </summary>
public sealed class HarnessSmokeTests(ApiHost api) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Fixed_rate_runs_against_the_api_and_the_report_is_written()
    {
        var runner = new FixedRateRunner(api.Http);
        var health = await runner.RunAsync(ApiScenarios.HealthLive(), rate: 20, TimeSpan.FromSeconds(2));
        var global = await runner.RunAsync(ApiScenarios.GlobalFeed(), rate: 10, TimeSpan.FromSeconds(1));

        Assert.Equal(40, health.Requests);
        Assert.Equal(0, health.Errors);
        Assert.Equal(10, global.Requests);
        Assert.Equal(0, global.Errors);
        Assert.Equal(40, health.Timeline.Sum(p => p.Count));

        var directory = Path.Combine(Path.GetTempPath(), "herenow-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = new BenchReport { Commit = "test", Profile = "smoke" };
            report.Figures.Add(new FigureResult("health", "Health", "smoke run",
                [new Metric("rate", health.AchievedRate, "/s", global.AchievedRate, "global")],
                [StepSummary.From(health), StepSummary.From(global)], 0, 3));
            report.Timeline.AddRange(health.Timeline.Concat(global.Timeline));
            await ReportWriter.WriteAsync(report, directory);

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")));
            Assert.Equal("health", json.RootElement.GetProperty("figures")[0].GetProperty("id").GetString());
            Assert.True(json.RootElement.GetProperty("machine").GetProperty("nproc").GetInt32() > 0);
            var markdown = await File.ReadAllTextAsync(Path.Combine(directory, "results.md"));
            Assert.Contains("| Figure | Metric | Value | Baseline | Ratio |", markdown, StringComparison.Ordinal);
            Assert.Contains("| Health | rate |", markdown, StringComparison.Ordinal);
            var png = await File.ReadAllBytesAsync(Path.Combine(directory, "chart.png"));
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
