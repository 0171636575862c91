using System.Globalization;
using Herenow.Bench.Reporting;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figures 1, 2 and 4: the highest fixed rate whose p99 stays under a threshold, next to the same search on
/// GET /health/live.
/// </summary>
public sealed class SearchFigure(string id, string title, Func<FigureContext, Scenario> scenario,
    Func<BenchOptions, double> threshold, Func<BenchOptions, double> startRate) : IFigure
{
    public string Id { get; } = id;

    public static SearchFigure Checkins() => new("checkins", "1. Durable check-ins (POST /api/v1/checkins)",
        c => ApiScenarios.PostCheckin(c.Data), o => o.WriteP99Ms, o => o.Quick ? 10 : 20);

    public static SearchFigure Home() => new("home", "2. Home feed (GET /api/v1/feeds/home, limit 20)",
        c => ApiScenarios.HomeFeed(c.Data), o => o.ReadP99Ms, o => o.Quick ? 20 : 50);

    public static SearchFigure Nearby() => new("nearby", "4. Nearby search (GET /api/v1/places/nearby, 5-20 km)",
        c => ApiScenarios.Nearby(c.Data), o => o.ReadP99Ms, o => o.Quick ? 20 : 50);

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var p99 = threshold(context.Options);
        var limit = p99.ToString(CultureInfo.InvariantCulture) + " ms";
        var baseline = await context.BaselineAsync(p99);
        var found = await context.SearchAsync(scenario(context), context.Search(startRate(context.Options), p99));
        if (Id == "checkins") context.CheckinRate = found.Found?.TargetRate;
        var method = FormattableString.Invariant(
            $"Fixed-rate (open-loop) steps of {context.Options.StepDuration.TotalSeconds} s from {found.Options.StartRate}/s, ×{found.Options.Factor} per step, until p99 ≥ {limit} or errors > 1% (stopped: {found.StopReason}). Latency counts from each request's scheduled send time. Users are seeded accounts with bearer tokens; check-ins go to popular real places (Zipf over the GeoNames cities), a few hundred metres away. Baseline: the same search on /health/live (stopped: {baseline.StopReason}).");
        return new FigureResult(Id + (context.Options.Variant is null ? "" : "-" + context.Options.Variant), title + context.Suffix, method,
            FigureContext.SearchMetrics(found, baseline, limit), FigureContext.Steps(baseline, found), start, context.Now);
    }
}
