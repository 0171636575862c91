namespace Herenow.Bench.Reporting;

/// <summary>
/// Figure 7, derived once both runs are in the report: figure 1 on three silos against figure 1 on one silo, all on
/// this one host. On 2 cores three silos mostly add overhead (more processes, silo-to-silo hops), so this is an
/// overhead figure, not a scaling claim.
/// </summary>
public static class SiloComparison
{
    public const string Variant = "3-silos";

    public static void Update(BenchReport report)
    {
        report.Figures.RemoveAll(f => f.Id == "silos");
        var one = report.Figures.FirstOrDefault(f => f.Id == "checkins");
        var three = report.Figures.FirstOrDefault(f => f.Id == "checkins-" + Variant);
        if (one is null || three is null) return;
        var rate1 = one.Metrics[0].Value;
        var rate3 = three.Metrics[0].Value;
        report.Figures.Add(new FigureResult("silos", "7. Three silos against one (same host)",
            "Figure 1 (durable check-ins at p99 < 50 ms) with scripts/run.sh --silos 3, against the one-silo result above. " +
            "Value: the 3-silo rate; baseline: the 1-silo rate; the ratio is the figure. Both on one host: overhead, not scaling.",
            [
                new Metric("check-in rate, 3 silos (baseline: 1 silo)", rate3, "/s", rate1, "1 silo"),
                new Metric("p99 at that rate, 3 silos (baseline: 1 silo)", three.Metrics[2].Value, "ms", one.Metrics[2].Value, "1 silo"),
            ], [], three.StartS, three.EndS));
    }
}
