using Herenow.Bench.Counters;
using Herenow.Bench.Runner;

namespace Herenow.Tests.Bench;

/// <summary>Per-request counters: deltas between snapshots divided by the run's successful requests.</summary>
public sealed class CostCountersTests
{
    private static CostSnapshot Snap(double siloMs, double pgMs, long commits, long statements, long evicted, long wal, double calls) =>
        new(new Dictionary<string, double> { ["silo"] = siloMs, ["postgres"] = pgMs }, commits, statements, evicted, wal, wal, calls);

    [Fact]
    public void Deltas_are_divided_by_the_successful_requests_and_cpu_stops_at_the_last_answer()
    {
        var start = Snap(1_000, 500, 100, 1_000, 0, 10_000, 50);
        // CPU when the last answer arrived; the settle time after it (silo +900 ms idle) is not charged.
        var cpuEnd = Snap(1_400, 700, 0, 0, 0, 0, 0);
        var end = Snap(2_300, 760, 1_160, 9_000, 0, 104_000, 450);

        var cost = CostPerRequest.From(start, cpuEnd, end, requests: 100);

        Assert.Equal(4, cost.CpuMs["silo"], precision: 6);
        Assert.Equal(2, cost.CpuMs["postgres"], precision: 6);
        Assert.Equal(10.6, cost.Commits!.Value, precision: 6);
        Assert.Equal(80, cost.Statements!.Value, precision: 6);
        Assert.Equal(940, cost.WalBytes!.Value, precision: 6);
        Assert.Equal(4, cost.GrainCalls!.Value, precision: 6);
        Assert.Null(cost.Note);
    }

    [Fact]
    public void The_idle_services_background_rate_is_subtracted()
    {
        // Idle for 2 s: 20 commits and 200 ms of silo CPU (10 commits/s, 100 ms/s). The run: 100 requests, CPU over
        // 1 s, database counters over 3 s (with the settle time). Background then accounts for 30 commits and 100 ms.
        static CostSnapshot At(double s, double siloMs, long commits) =>
            new(new Dictionary<string, double> { ["silo"] = siloMs }, commits, null, null, null, null, null, Timestamp: BenchClock.TicksFromSeconds(s));
        var idle = At(10, 1_000, 100);
        var start = At(12, 1_200, 120);
        var cpuEnd = At(13, 1_700, 0);
        var end = At(15, 0, 1_150);

        var cost = CostPerRequest.From(idle, start, cpuEnd, end, requests: 100);

        Assert.Equal(10, cost.Commits!.Value, precision: 6);         // (1030 - 30) / 100
        Assert.Equal(4, cost.CpuMs["silo"], precision: 6);           // (500 - 100) / 100
        Assert.Equal(10.3, cost.Uncorrected!.Commits!.Value, precision: 6);
    }

    [Fact]
    public void Statements_are_not_reported_when_pg_stat_statements_evicted_entries_meanwhile()
    {
        var cost = CostPerRequest.From(Snap(0, 0, 0, 1_000, 3, 0, 0), Snap(0, 0, 0, 0, 0, 0, 0), Snap(0, 0, 10, 500, 4, 0, 0), requests: 10);

        Assert.Null(cost.Statements);
        Assert.Equal(1, cost.Commits);
        Assert.NotNull(cost.Note);
    }

    [Fact]
    public void Rounds_combine_weighted_by_their_requests()
    {
        var a = new CostPerRequest(10, new Dictionary<string, double> { ["api"] = 1 }, 10, 100, 1_000, 1_000, 5);
        var b = new CostPerRequest(30, new Dictionary<string, double> { ["api"] = 3 }, 12, 120, 2_000, 2_000, 7);

        var both = CostPerRequest.Combine([a, b])!;

        Assert.Equal(40, both.Requests);
        Assert.Equal(2.5, both.CpuMs["api"], precision: 6);
        Assert.Equal(11.5, both.Commits!.Value, precision: 6);
        Assert.Equal(1_750, both.WalBytes!.Value, precision: 6);
    }
}
