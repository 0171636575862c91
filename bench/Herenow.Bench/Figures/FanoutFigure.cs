using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;
using Herenow.Bench.Seeding;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figure 5: from the 201 of a check-in by an account with N followers to the moment it is in the "last" follower's
/// home feed. Followers' FeedGrains are read directly through the Orleans client (no HTTP, no token lookups), so
/// the figure is fan-out time, not API read time. "Last follower" = the latest arrival among a sample: the
/// last-created follower (fan-out delivers in follow order, in batches, so it is in the final batch) plus a random
/// sample of the others; all N feeds are not polled because polling 100k grains would itself load the cluster.
/// Then, unless --fanout-load-rate is 0, check-ins at a fixed rate (500/s) alone for one step, and again while the
/// largest celebrity posts: the check-in p99 during a large fan-out, next to the same rate without it (the goal: p99
/// &lt; 50 ms at 500/s during a 100k fan-out; --quick's largest celebrity is smaller and the figure says so).
/// </summary>
public sealed class FanoutFigure : IFigure
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public string Id => "fanout";

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var options = context.Options;
        var celebrities = options.Celebrities.Order().ToList();
        var tokens = await SessionMinter.MintAsync(context.Cluster, [.. celebrities.Select(SeedPlan.Celebrity)], 4, ct);
        var baseline = await UnloadedHealthAsync(context);
        var metrics = new List<Metric>();
        var pollRounds = new List<double>();
        var steps = new List<StepSummary>();
        foreach (var (followers, (author, token)) in celebrities.Zip(tokens))
        {
            var latencies = new List<double>();
            for (var post = 0; post < options.FanoutPosts; post++)
            {
                var (ms, round) = await OnePostAsync(context, followers, token, ct);
                Console.WriteLine(FormattableString.Invariant($"fan-out {author}: post {post + 1}/{options.FanoutPosts}: {(ms is { } v ? $"{v:F1} ms" : "timed out")}"));
                if (ms is { } value) latencies.Add(value);
                pollRounds.Add(round);
            }
            var label = Followers(followers);
            metrics.Add(new Metric($"{label} followers: p50", Percentile(latencies, 50), "ms", baseline.P50Ms, "/health/live p50, unloaded"));
            metrics.Add(new Metric($"{label} followers: p99", Percentile(latencies, 99), "ms", baseline.P99Ms, "/health/live p99, unloaded"));
            if (latencies.Count < options.FanoutPosts)
            {
                metrics.Add(new Metric($"{label} followers: posts not delivered within {Timeout.TotalSeconds} s", options.FanoutPosts - latencies.Count, "posts"));
            }
        }
        var underLoad = "";
        if (options.FanoutLoadRate > 0 && celebrities.Count > 0)
        {
            var (loadMetrics, loadSteps, loadMethod) = await UnderLoadAsync(context, celebrities[^1], tokens[^1].Token, ct);
            metrics.AddRange(loadMetrics);
            steps.AddRange(loadSteps);
            underLoad = loadMethod;
        }
        var method = FormattableString.Invariant(
            $"{options.FanoutPosts} posts (POST /api/v1/checkins, public) per author `bench_f<N>`, one at a time, nothing else running. After each 201, the home FeedGrains of the last-created follower plus {options.FanoutSample} random followers are read through an Orleans client in rounds until all hold the check-in (resolution: one polling round, median {Percentile(pollRounds, 50):F1} ms). Reported: time from the 201 to the latest arrival in that sample, p50 and p99 over the posts (with few posts p99 is the worst one). Baseline: /health/live latency at a light fixed rate (50/s for 3 s).{underLoad}");
        return new FigureResult("fanout" + (options.Variant is null ? "" : "-" + options.Variant), "5. Fan-out to the last follower's home feed" + context.Suffix,
            method, metrics, [StepSummary.From(baseline), .. steps], start, context.Now);
    }

    /// <summary>
    /// Check-ins at <see cref="BenchOptions.FanoutLoadRate"/> for one step alone, then again while the largest
    /// celebrity posts <see cref="BenchOptions.FanoutPosts"/> times (each waited for until delivered to its sampled
    /// followers, as above): the background run spans the fan-outs from the first post to the last delivery.
    /// </summary>
    private static async Task<(List<Metric> Metrics, List<StepSummary> Steps, string Method)> UnderLoadAsync(FigureContext context,
        int followers, string token, CancellationToken ct)
    {
        var options = context.Options;
        var rate = options.FanoutLoadRate;
        var label = Followers(followers);
        var scenario = ApiScenarios.PostCheckin(context.Data);
        Console.WriteLine(FormattableString.Invariant($"check-ins at {rate:F0}/s alone, then during {options.FanoutPosts} posts of bench_f{followers} ({label} followers)"));
        // Warm-up (connections, activations), not recorded.
        await context.Runner.RunAsync(scenario, rate, TimeSpan.FromSeconds(2), stop: ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var alone = (await context.RunAsync(scenario, rate, options.StepDuration, stop: ct)) with { Name = FormattableString.Invariant($"POST check-ins {rate:F0}/s, no fan-out") };
        Console.WriteLine($"  {alone.Summary}");
        var aloneDrain = await context.DrainAsync("after the check-ins alone", ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var background = context.RunAsync(scenario, rate, TimeSpan.FromHours(1), stop: stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var latencies = new List<double>();
        for (var post = 0; post < options.FanoutPosts; post++)
        {
            var (ms, _) = await OnePostAsync(context, followers, token, ct);
            Console.WriteLine(FormattableString.Invariant($"fan-out bench_f{followers} under {rate:F0}/s check-ins: post {post + 1}/{options.FanoutPosts}: {(ms is { } v ? $"{v:F1} ms" : "timed out")}"));
            if (ms is { } value) latencies.Add(value);
        }
        await stop.CancelAsync();
        var during = (await background) with { Name = FormattableString.Invariant($"POST check-ins {rate:F0}/s during {label} fan-outs") };
        Console.WriteLine($"  {during.Summary}");
        var drain = await context.DrainAsync("after the check-ins under fan-out", ct);

        var scaled = followers < 100_000
            ? FormattableString.Invariant($" (the largest celebrity of this run has {label} followers; the goal is stated for 100k, which the full profile seeds)")
            : "";
        var metrics = new List<Metric>
        {
            new(FormattableString.Invariant($"check-in p99 at {rate:F0}/s during a {label} fan-out{scaled}"), during.P99Ms, "ms", alone.P99Ms, FormattableString.Invariant($"check-in p99 at {rate:F0}/s without fan-out")),
            new(FormattableString.Invariant($"check-in p50 at {rate:F0}/s during a {label} fan-out"), during.P50Ms, "ms", alone.P50Ms, FormattableString.Invariant($"check-in p50 at {rate:F0}/s without fan-out")),
            new(FormattableString.Invariant($"check-ins achieved during the {label} fan-outs (offered {rate:F0}/s)"), during.AchievedRate, "/s"),
            new(FormattableString.Invariant($"check-in errors during the {label} fan-outs"), during.ErrorRate * 100, "%"),
            new(FormattableString.Invariant($"{label} followers under {rate:F0}/s check-ins: fan-out p99"), Percentile(latencies, 99), "ms"),
        };
        if (aloneDrain.Seconds is not null) metrics.Add(FigureContext.DrainMetric(FormattableString.Invariant($"check-ins at {rate:F0}/s alone"), aloneDrain, options.DrainMaxSeconds));
        if (drain.Seconds is not null) metrics.Add(FigureContext.DrainMetric(FormattableString.Invariant($"check-ins at {rate:F0}/s during the fan-outs"), drain, options.DrainMaxSeconds));
        if (latencies.Count < options.FanoutPosts)
        {
            metrics.Add(new Metric($"{label} followers under load: posts not delivered within {Timeout.TotalSeconds} s", options.FanoutPosts - latencies.Count, "posts"));
        }
        var method = FormattableString.Invariant(
            $" Under load: POST /api/v1/checkins by pooled users at {rate:F0}/s (--fanout-load-rate; open loop) for one {options.StepDuration.TotalSeconds} s step alone, then again from 1 s before the first of {options.FanoutPosts} posts by bench_f{followers} to the last one's delivery (each delivered to its sampled followers before the next): the check-in p99 during the fan-outs, against the same rate without them; then a wait (at most --drain-max-seconds) until the service has finished the work they left behind (reported).{scaled}");
        return (metrics, [StepSummary.From(alone), StepSummary.From(during)], method);
    }

    private static async Task<RunResult> UnloadedHealthAsync(FigureContext context)
    {
        var result = await context.RunAsync(ApiScenarios.HealthLive(), 50, TimeSpan.FromSeconds(3));
        return result with { Name = "GET /health/live (unloaded)" };
    }

    /// <returns>The fan-out time in ms (null when it timed out) and the median polling round in ms.</returns>
    private static async Task<(double? Ms, double RoundMs)> OnePostAsync(FigureContext context, int followers, string token, CancellationToken ct)
    {
        var random = Random.Shared;
        var sample = new HashSet<string> { SeedPlan.User(followers - 1) };
        while (sample.Count < Math.Min(followers, context.Options.FanoutSample + 1)) sample.Add(SeedPlan.User(random.Next(followers)));

        // A 503 (the cluster is still busy with the previous fan-out) is retried as a client should: after its
        // Retry-After, a bounded number of times. The figure starts from the 201 that was finally given.
        HttpResponseMessage response;
        for (var attempt = 1; ; attempt++)
        {
            var place = context.Data.Places.Popular(random);
            var (lat, lon) = PlaceCatalog.Near(place, random);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/checkins")
            {
                Content = JsonContent.Create(new { place_id = place.Id, latitude = lat, longitude = lon, shout = "fan-out", visibility = "public" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            response = await context.Http.SendAsync(request, ct);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 5) break;
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            Console.WriteLine(FormattableString.Invariant($"  503 on attempt {attempt}; retrying after {wait.TotalSeconds:F0} s"));
            response.Dispose();
            await Task.Delay(wait, ct);
        }
        using var _ = response;
        var created = BenchClock.Now;
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;

        var pending = sample.ToList();
        var last = created;
        var rounds = new List<double>();
        var deadline = created + BenchClock.TicksFromSeconds(Timeout.TotalSeconds);
        while (pending.Count > 0 && BenchClock.Now < deadline)
        {
            var roundStart = BenchClock.Now;
            var pages = await Task.WhenAll(pending.Select(f => context.Cluster.GetGrain<IFeedGrain>(f).GetPage(PageQuery.First(40))));
            var seen = BenchClock.Now;
            rounds.Add(BenchClock.ToMilliseconds(seen - roundStart));
            var still = new List<string>();
            for (var i = 0; i < pending.Count; i++)
            {
                if (pages[i].Any(e => e.Id == id)) last = seen;
                else still.Add(pending[i]);
            }
            pending = still;
            if (pending.Count > 0) await Task.Delay(2, ct);
        }
        return (pending.Count == 0 ? BenchClock.ToMilliseconds(last - created) : null, Percentile(rounds, 50));
    }

    private static string Followers(int n) => n >= 1000 && n % 1000 == 0
        ? (n / 1000).ToString(CultureInfo.InvariantCulture) + "k"
        : n.ToString(CultureInfo.InvariantCulture);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
