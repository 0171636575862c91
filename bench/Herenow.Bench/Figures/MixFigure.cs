using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>
/// The scenario mix under a closed loop: throughput of a realistic blend (mostly reads, some check-ins) with a fixed
/// number of concurrent users. Its latencies are measured from the actual send (coordinated omission applies), so
/// the report gives them only as context; the p99 figures above come from the fixed-rate runs.
/// </summary>
public sealed class MixFigure : IFigure
{
    private const int Workers = 16;

    public string Id => "mix";

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var data = context.Data;
        var mix = new ScenarioMix(
        [
            (ApiScenarios.HomeFeed(data), 50), (ApiScenarios.Nearby(data), 20), (ApiScenarios.GlobalFeed(), 15),
            (ApiScenarios.PostCheckin(data), 10), (ApiScenarios.HealthLive(), 5),
        ]);
        var duration = context.Options.StepDuration * 2;
        var runner = new ClosedLoopRunner(context.Target);
        var baseline = await runner.RunAsync(_ => ApiScenarios.HealthLive(), "GET /health/live (closed loop)", Workers, duration, ct);
        context.Keep(baseline);
        Console.WriteLine($"  {baseline.Summary}");
        var result = await runner.RunAsync(_ => mix.Pick(Random.Shared), "mix (closed loop)", Workers, duration, ct);
        context.Keep(result);
        Console.WriteLine($"  {result.Summary}");
        var method = FormattableString.Invariant(
            $"Closed loop: {Workers} concurrent virtual users for {duration.TotalSeconds} s, each sending its next request when the previous is answered; mix: {mix.Describe}. Latencies here are from the actual send and understate queueing (coordinated omission); use them as context only. Baseline: the same loop on /health/live.");
        return new FigureResult("mix" + (context.Options.Variant is null ? "" : "-" + context.Options.Variant), "Scenario mix (closed loop)" + context.Suffix, method,
        [
            new Metric("throughput", result.AchievedRate, "/s", baseline.AchievedRate, "/health/live"),
            new Metric("p50 (from actual send)", result.P50Ms, "ms", baseline.P50Ms, "/health/live"),
            new Metric("error rate", result.ErrorRate * 100, "%"),
        ], [StepSummary.From(baseline), StepSummary.From(result)], start, context.Now);
    }
}
