using System.Globalization;
using Herenow.Bench.Reporting;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figure 3: the global feed's rate at the read threshold while check-ins run in the background at a fixed rate
/// (<see cref="BenchOptions.GlobalWriteRate"/>, 500/s; with 0, 70% of the rate figure 1 found, which is then searched
/// first if figure 1 was not selected). Then one counted step at the found rate without the background writes: the
/// global page's own grain calls and statements (with writes running, the counters would be the check-ins').
/// </summary>
public sealed class GlobalUnderWriteLoadFigure : IFigure
{
    private const double WriteShare = 0.7;

    public string Id => "global";

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var options = context.Options;
        var p99 = options.ReadP99Ms;
        var limit = p99.ToString(CultureInfo.InvariantCulture) + " ms";
        var fixedRate = options.GlobalWriteRate > 0;
        if (!fixedRate && context.CheckinRate is null)
        {
            await SearchFigure.Checkins().RunAsync(context, ct);
        }
        var writeRate = fixedRate ? options.GlobalWriteRate : Math.Max(1, (context.CheckinRate ?? 0) * WriteShare);
        var baseline = await context.BaselineAsync(p99);

        Console.WriteLine(FormattableString.Invariant($"background: POST /api/v1/checkins at {writeRate:F0}/s"));
        using var stopWrites = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Long enough for any search; cancelled as soon as the search ends.
        var writes = context.RunAsync(ApiScenarios.PostCheckin(context.Data), writeRate, TimeSpan.FromHours(1), stop: stopWrites.Token);
        // The background's first seconds (connections, activations) before the first step.
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var found = await context.SearchAsync(ApiScenarios.GlobalFeed(), context.Search(options.ReadStartRate, p99));
        await stopWrites.CancelAsync();
        var background = await writes;
        Console.WriteLine($"  background {background.Summary}");
        // Check-ins beyond the service's capacity leave fan-outs and retries queued: let them finish, so neither the
        // counted step below nor the next figure measures them.
        var drain = await context.DrainAsync("after the background check-ins", ct);

        // The page's own cost, at the found rate (or the start rate), with nothing else running.
        var countRate = found.Found?.TargetRate ?? options.ReadStartRate;
        Console.WriteLine(FormattableString.Invariant($"counted step without background writes: {countRate:F0}/s"));
        var alone = await context.CountedRunAsync(ApiScenarios.GlobalFeed() with { Name = "GET /api/v1/feeds/global (no writes, counted)" },
            countRate, options.StepDuration, ct: ct);
        Console.WriteLine($"  {alone.Summary}{(alone.Cost is { } c ? "\n      " + c.Summary : "")}");

        var metrics = FigureContext.SearchMetrics(found, baseline, limit);
        metrics.Add(new Metric("background check-ins offered", writeRate, "/s"));
        metrics.Add(new Metric("background check-ins achieved", background.AchievedRate, "/s"));
        metrics.Add(new Metric("background check-in p99", background.P99Ms, "ms"));
        metrics.Add(new Metric("background check-in errors", background.ErrorRate * 100, "%"));
        if (drain.Seconds is not null) metrics.Add(FigureContext.DrainMetric("background check-ins", drain, options.DrainMaxSeconds));
        var healthCost = FigureContext.CountedStep(baseline)?.Cost;
        metrics.AddRange(FigureContext.CostMetrics(alone.Cost, healthCost, "page",
            label: FormattableString.Invariant($"(no background writes, {countRate:F0}/s)")));
        var source = fixedRate
            ? FormattableString.Invariant($"at a fixed {writeRate:F0}/s (--global-write-rate)")
            : FormattableString.Invariant($"at {WriteShare:P0} of figure 1's rate ({writeRate:F0}/s; --global-write-rate 0)");
        var method = FormattableString.Invariant(
            $"While POST /api/v1/checkins runs {source} (open loop, for the whole search; its achieved rate, p99 and errors are reported — if the host cannot sustain it, the figure says so), the same fixed-rate search as figure 2 on GET /api/v1/feeds/global?limit=20 (stopped: {found.StopReason}). Then a wait (at most --drain-max-seconds) until the service has finished the work the check-ins left behind (commits back to idle; reported), and one counted {options.StepDuration.TotalSeconds} s step at the found rate without background writes, for the page's own grain calls, statements and CPU (with writes running they would be the check-ins'). Baseline: /health/live searched without background load.");
        return new FigureResult("global" + (options.Variant is null ? "" : "-" + options.Variant),
            "3. Global feed under check-in load" + context.Suffix, method, metrics,
            [.. FigureContext.Steps(found), StepSummary.From(background), StepSummary.From(alone)], start, context.Now);
    }
}
