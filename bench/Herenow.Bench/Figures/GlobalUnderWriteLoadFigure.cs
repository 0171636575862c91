using System.Globalization;
using Herenow.Bench.Reporting;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figure 3: the global feed's rate at the read threshold while check-ins run in the background at 70% of the
/// rate figure 1 found (which is searched first if figure 1 was not selected).
/// </summary>
public sealed class GlobalUnderWriteLoadFigure : IFigure
{
    private const double WriteShare = 0.7;

    public string Id => "global";

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var p99 = context.Options.ReadP99Ms;
        var limit = p99.ToString(CultureInfo.InvariantCulture) + " ms";
        if (context.CheckinRate is null)
        {
            await SearchFigure.Checkins().RunAsync(context, ct);
        }
        var writeRate = Math.Max(1, (context.CheckinRate ?? 0) * WriteShare);
        var baseline = await context.BaselineAsync(p99);

        Console.WriteLine(FormattableString.Invariant($"background: POST /api/v1/checkins at {writeRate:F0}/s"));
        using var stopWrites = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Long enough for any search; cancelled as soon as the search ends.
        var writes = context.RunAsync(ApiScenarios.PostCheckin(context.Data), writeRate, TimeSpan.FromHours(1), stop: stopWrites.Token);
        var found = await context.SearchAsync(ApiScenarios.GlobalFeed(), context.Search(context.Options.Quick ? 20 : 50, p99));
        await stopWrites.CancelAsync();
        var background = await writes;
        Console.WriteLine($"  background {background.Summary}");

        var metrics = FigureContext.SearchMetrics(found, baseline, limit);
        metrics.Add(new Metric("background check-ins achieved", background.AchievedRate, "/s"));
        metrics.Add(new Metric("background check-in p99", background.P99Ms, "ms"));
        var method = FormattableString.Invariant(
            $"While POST /api/v1/checkins runs at {WriteShare:P0} of figure 1's rate ({writeRate:F0}/s, fixed rate, for the whole search), the same fixed-rate search as figure 2 on GET /api/v1/feeds/global?limit=20 (stopped: {found.StopReason}). Baseline: /health/live searched without background load.");
        return new FigureResult("global" + (context.Options.Variant is null ? "" : "-" + context.Options.Variant),
            "3. Global feed under check-in load" + context.Suffix, method, metrics,
            [.. FigureContext.Steps(found), StepSummary.From(background)], start, context.Now);
    }
}
