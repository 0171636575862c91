using Herenow.Bench.Counters;
using Herenow.Bench.Reporting;

namespace Herenow.Tests.Bench;

/// <summary>GC pauses from runtime suspension events, and their place in the report.</summary>
public sealed class GcPauseTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static DateTime At(double ms) => T0.AddMilliseconds(ms);

    [Fact]
    public void A_pause_runs_from_the_suspension_for_a_gc_to_the_restart()
    {
        var tracker = new GcPauseTracker();
        tracker.SuspendStart(At(100), forGc: true);
        tracker.RestartEnd(At(112.5));
        tracker.SuspendStart(At(500), forGc: true);
        tracker.RestartEnd(At(503));

        var all = tracker.Window(At(0), At(1_000));

        Assert.Equal(2, all.Count);
        Assert.Equal(12.5, all.LongestMs, precision: 6);
        Assert.Equal(15.5, all.TotalMs, precision: 6);
    }

    [Fact]
    public void Suspensions_not_for_a_gc_and_restarts_without_a_suspension_are_not_pauses()
    {
        var tracker = new GcPauseTracker();
        tracker.RestartEnd(At(10));                       // the session started mid-pause
        tracker.SuspendStart(At(100), forGc: false);      // debugger, rejit...
        tracker.RestartEnd(At(400));
        tracker.SuspendStart(At(500), forGc: true);
        tracker.RestartEnd(At(502));

        Assert.Equal(1, tracker.Count);
        Assert.Equal(2, tracker.Window(At(0), At(1_000)).LongestMs, precision: 6);
    }

    [Fact]
    public void A_window_holds_the_pauses_that_started_in_it()
    {
        var tracker = new GcPauseTracker();
        foreach (var (start, ms) in new[] { (100.0, 50.0), (1_000.0, 5.0), (1_990.0, 30.0), (3_000.0, 80.0) })
        {
            tracker.SuspendStart(At(start), forGc: true);
            tracker.RestartEnd(At(start + ms));
        }

        var window = tracker.Window(At(500), At(2_000));

        Assert.Equal(2, window.Count);
        Assert.Equal(30, window.LongestMs, precision: 6);
        Assert.Equal(GcPauseSummary.None, tracker.Window(At(4_000), At(5_000)));
    }

    [Fact]
    public void Silos_combine_into_one_group_with_the_longest_of_any()
    {
        var combined = GcPauseSummary.Combine([new GcPauseSummary(3, 30, 20), new GcPauseSummary(2, 90, 70), GcPauseSummary.None]);

        Assert.Equal(new GcPauseSummary(5, 120, 70), combined);
    }

    [Fact]
    public void The_summary_figure_has_the_longest_pause_of_the_report_per_process_and_one_row_per_figure()
    {
        var report = new BenchReport();
        FigureResult Figure(string id, double silo, double api) => new(id, id, "", [
            new Metric("highest rate", 1_000, "/s"),
            .. GcSummary.Metrics(new Dictionary<string, GcPauseSummary> { ["silo"] = new(4, silo * 2, silo), ["api"] = new(1, api, api) }),
        ], [], 0, 1);
        report.Figures.Add(Figure("home", silo: 12, api: 3));
        report.Figures.Add(Figure("fanout", silo: 140, api: 2));

        GcSummary.Refresh(report);
        GcSummary.Refresh(report); // rebuilt, not duplicated

        var summary = Assert.Single(report.Figures, f => f.Id == GcSummary.Id);
        Assert.Same(summary, report.Figures[^1]);
        var silo = Assert.Single(summary.Metrics, m => m.Name.StartsWith("longest GC pause during the bench: silo", StringComparison.Ordinal));
        Assert.Equal(140, silo.Value);
        Assert.Contains("fanout", silo.Name, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(summary.Metrics, m => m.Name.StartsWith("longest GC pause during the bench: api", StringComparison.Ordinal)).Value);
        Assert.Equal(12, Assert.Single(summary.Metrics, m => m.Name == "home: silo").Value);
        Assert.Equal(6, summary.Metrics.Count);
    }

    [Fact]
    public void A_report_without_gc_metrics_gets_no_summary()
    {
        var report = new BenchReport();
        report.Figures.Add(new FigureResult("health", "0", "", [new Metric("rate", 1, "/s")], [], 0, 1));

        GcSummary.Refresh(report);

        Assert.DoesNotContain(report.Figures, f => f.Id == GcSummary.Id);
    }
}
