using System.Globalization;
using Herenow.Bench.Reporting;
using Herenow.Bench.Seeding;
using Herenow.Grains.Accounts;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figure 6: silo memory per 100k active user grains. RSS (VmRSS in /proc/&lt;pid&gt;/status) of every silo whose pid
/// file scripts/run.sh wrote, before and after activating N seeded users' grains (one read each, which loads the
/// account from PostgreSQL); the difference scaled to 100k. bench/run.sh restarts the service right before, so the
/// users are not active yet from seeding.
/// </summary>
public sealed class MemoryFigure : IFigure
{
    public string Id => "memory";

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var options = context.Options;
        var pids = SiloPids(options.RunDir);
        if (pids.Count == 0)
        {
            return new FigureResult(Id, "6. Silo memory per 100k active user grains", $"Skipped: no silo-*.pid under --run-dir ({options.RunDir ?? "unset"}).", [], [], start, context.Now);
        }
        var users = Math.Min(options.MemoryGrains, options.Users);
        var before = Rss(pids);
        await BoundedParallel.ForEachAsync("activate user grains", Enumerable.Range(0, users).ToList(), options.SeedParallelism,
            async (i, _) => await context.Cluster.GetGrain<IUserGrain>(SeedPlan.User(i)).GetAccount(null), ct);
        // Let allocation settle (the silo's GC runs on its own schedule; RSS is what the OS has given the process).
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var after = Rss(pids);
        var perHundredK = (after - before) / users * 100_000;
        var method = FormattableString.Invariant(
            $"Sum of VmRSS of {pids.Count} silo process(es) after a fresh start, before and after activating {users:N0} seeded user grains (GetAccount, which reads each account's state from PostgreSQL); (after − before) / {users:N0} × 100k. RSS includes GC headroom, so this is what the host pays, not the live object size. Ratio: to the silo's RSS before activation.");
        return new FigureResult(Id, "6. Silo memory per 100k active user grains", method,
        [
            new Metric("MB per 100k active user grains", perHundredK, "MB", before, "silo RSS before"),
            new Metric("silo RSS before", before, "MB"),
            new Metric("silo RSS after", after, "MB"),
        ], [], start, context.Now);
    }

    private static List<int> SiloPids(string? runDir) =>
        runDir is null || !Directory.Exists(runDir)
            ? []
            : [.. Directory.GetFiles(runDir, "silo-*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture))];

    /// <summary>Megabytes of resident memory over the given processes.</summary>
    public static double Rss(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    });
}
