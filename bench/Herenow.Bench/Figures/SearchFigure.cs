using System.Globalization;
using Herenow.Bench.Reporting;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figures 1, 2, 4, 9 and 10: the highest fixed rate whose p99 stays under a threshold, next to the same search on
/// GET /health/live. Every step is counted, so the reported step's grain calls and statements per request (per page,
/// for the feeds) are figure metrics.
/// </summary>
public sealed class SearchFigure(string id, string title, Func<FigureContext, Scenario> scenario,
    Func<BenchOptions, double> threshold, Func<BenchOptions, double> startRate) : IFigure
{
    public string Id { get; } = id;

    /// <summary>The baseline itself as a figure: how far the harness drives the bare HTTP path, and what a request costs.</summary>
    public static SearchFigure Health() => new("health", "0. Baseline: GET /health/live",
        _ => ApiScenarios.HealthLive(), o => o.WriteP99Ms, o => o.HealthStartRate);

    public static SearchFigure Checkins() => new("checkins", "1. Durable check-ins (POST /api/v1/checkins)",
        c => ApiScenarios.PostCheckin(c.Data), o => o.WriteP99Ms, o => o.CheckinStartRate);

    public static SearchFigure Home() => new("home", "2. Home feed (GET /api/v1/feeds/home, limit 20)",
        c => ApiScenarios.HomeFeed(c.Data), o => o.ReadP99Ms, o => o.ReadStartRate);

    public static SearchFigure Nearby() => new("nearby", "4. Nearby search (GET /api/v1/places/nearby, 5-20 km)",
        c => ApiScenarios.Nearby(c.Data), o => o.ReadP99Ms, o => o.ReadStartRate);

    public static SearchFigure Place() => new("place", "9. Place feed (GET /api/v1/places/{id}/checkins, limit 20)",
        c => ApiScenarios.PlaceFeed(c.Data), o => o.ReadP99Ms, o => o.ReadStartRate);

    public static SearchFigure Accounts() => new("accounts", "10. Account history pages (GET /api/v1/accounts/{username}/checkins, limit 20)",
        c => ApiScenarios.AccountHistory(c.Data, c.Options.Users), o => o.ReadP99Ms, o => o.ReadStartRate);

    private static string What(string id) => id switch
    {
        "checkins" => "Users are seeded accounts with bearer tokens; check-ins go to popular real places (Zipf over the GeoNames cities), a few hundred metres away.",
        "home" => "Readers are pooled seeded users (bearer tokens) spread over the Zipf follow graph's popularity ranks; how many accounts each follows is itself power-law distributed (the seed line above), so some home feeds draw on hundreds of authors.",
        "place" => "Places drawn by the same Zipf popularity the check-ins use (busy places have full pages, the tail short or empty ones), read as random pooled users.",
        "accounts" => "Authors drawn by the seeded posting activity (Zipf over a fixed shuffle of the users: a few prolific authors with full pages, a long tail with one check-in or none), read as random pooled users (followers or not).",
        "nearby" => "At a random real city's coordinates (uniform over the GeoNames cities), radius 5-20 km.",
        _ => "",
    };

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var p99 = threshold(context.Options);
        var limit = p99.ToString(CultureInfo.InvariantCulture) + " ms";
        var baseline = await context.BaselineAsync(p99);
        // Pages are read by active users, whose feeds and caches are in memory (as Mastodon keeps only active users'
        // home feeds): the warm-up reads about three pages per pooled session before anything is recorded.
        // Writers warm up too, about 10 s at 200/s: both processes' JIT tiers up and the authors' grains wake before
        // the first step (a 3 s warm-up left the first step measuring tier-0 code and activations).
        var warm = Id is "home" or "place" or "accounts" ? 3 * context.Options.SessionPool : Id == "checkins" ? 2000 : 0;
        var found = Id == "health" ? baseline : await context.SearchAsync(scenario(context), context.Search(startRate(context.Options), p99), counted: true, warmRequests: warm);
        if (Id == "checkins") context.CheckinRate = found.Found?.TargetRate;
        string method = FormattableString.Invariant(
            $"Fixed-rate (open-loop) steps of {context.Options.StepDuration.TotalSeconds} s from {found.Options.StartRate}/s, ×{found.Options.Factor} per step, until p99 ≥ {limit} or errors > 1% (stopped: {found.StopReason}). Latency counts from each request's scheduled send time.{(warm > 0 ? FormattableString.Invariant($" Warm-up first, not recorded: {warm} requests{(Id == "checkins" ? "" : " (three per pooled session: the readers are active users)")}.") : "")} {What(Id)} Baseline: the same search on /health/live (stopped: {baseline.StopReason}). Per-request counters: deltas around the reported step (see the steps table for every step).");
        var saturation = Id == "health" && context.Options.SaturationRate > 0
            ? await context.RunAsync(ApiScenarios.HealthLive() with { Name = "GET /health/live (saturation)" }, context.Options.SaturationRate, TimeSpan.FromSeconds(3), stop: ct)
            : null;
        if (saturation is not null) Console.WriteLine($"  {saturation.Summary}");
        if (Id == "health")
        {
            method = FormattableString.Invariant(
                $"Fixed-rate (open-loop) steps of {context.Options.StepDuration.TotalSeconds} s from {found.Options.StartRate}/s, ×{found.Options.Factor} per step, until p99 ≥ {limit} or errors > 1% (stopped: {found.StopReason}), on the harness's raw-socket HTTP/1.1 client. This is the ceiling every other figure is divided by: if it is low, the client (or the host) is the limit, not the feature. 'Send lag' in the steps is how late the generator itself sent (already inside the latencies).");
        }
        var per = Id switch { "checkins" => "check-in", "home" or "place" or "accounts" => "page", _ => "request" };
        var metrics = FigureContext.SearchMetrics(found, baseline, limit, per);
        var steps = Id == "health" ? FigureContext.Steps(baseline) : FigureContext.Steps(baseline, found);
        if (saturation is not null)
        {
            // Offered far more than the host can answer: the answered rate is the throughput ceiling of server and
            // client together (latency then measures the queue, from the schedule, as it should).
            metrics.Insert(1, new Metric(FormattableString.Invariant($"answered when offered {saturation.TargetRate:F0}/s for 3 s (throughput ceiling)"), saturation.AchievedRate, "/s"));
            steps.Add(StepSummary.From(saturation));
            method += FormattableString.Invariant($" Then one 3 s step offering {saturation.TargetRate:F0}/s (--saturation-rate): its answered rate is the throughput ceiling of server and client together on this host, whatever the p99.");
        }
        return new FigureResult(Id + (context.Options.Variant is null ? "" : "-" + context.Options.Variant), title + context.Suffix, method,
            metrics, steps, start, context.Now);
    }
}
