namespace Herenow.Bench.Runner;

/// <summary>How a rate search steps: start, factor per step, step length, pass criteria, and a hard step cap.</summary>
public sealed record SearchOptions(
    double StartRate, double Factor, TimeSpan StepDuration, double P99ThresholdMs, double MaxErrorRate = 0.01,
    int MaxSteps = 20, double MaxRate = 100_000, double MinRate = 1);

/// <summary>All steps of a search; <see cref="Found"/> is the last step that passed (null when even the first failed).</summary>
public sealed record SearchResult(SearchOptions Options, IReadOnlyList<RunResult> Steps, RunResult? Found, string StopReason);

/// <summary>
/// Finds the highest sustained rate meeting a p99 target: fixed-rate steps upward by a factor, stopping at the first
/// step whose p99 reaches the threshold or whose error rate exceeds the limit (or at the step/rate cap, so every
/// search ends by itself). The answer is the last passing step's rate, with that step's percentiles. If the very
/// first step fails, the search steps down (by the factor squared) until one passes or the minimum rate is reached.
/// </summary>
public static class RateSearch
{
    public static async Task<SearchResult> RunAsync(SearchOptions options, Func<double, Task<RunResult>> step,
        Action<RunResult, bool>? progress = null)
    {
        var steps = new List<RunResult>();
        RunResult? found = null;
        var rate = options.StartRate;
        var descending = false;
        for (var i = 0; i < options.MaxSteps; i++)
        {
            var result = await step(rate);
            steps.Add(result);
            var pass = Passes(result, options);
            progress?.Invoke(result, pass);
            if (pass)
            {
                found = result;
                // Stepping down, the first pass ends the search: the rate above it already failed.
                if (descending) return new SearchResult(options, steps, found, $"passed after stepping down from {options.StartRate:F0}/s");
                rate *= options.Factor;
                if (rate > options.MaxRate) return new SearchResult(options, steps, found, $"rate cap {options.MaxRate:F0}/s reached");
                continue;
            }
            var lower = rate / (options.Factor * options.Factor);
            if (found is null && lower >= options.MinRate)
            {
                // Nothing has passed yet: the start was too ambitious for this machine; step down until a rate passes.
                rate = lower;
                descending = true;
                continue;
            }
            return new SearchResult(options, steps, found,
                result.ErrorRate > options.MaxErrorRate ? $"error rate {result.ErrorRate:P2} at {rate:F0}/s" : $"p99 {result.P99Ms:F1} ms at {rate:F0}/s");
        }
        return new SearchResult(options, steps, found, $"step cap {options.MaxSteps} reached");
    }

    /// <summary>
    /// A step passes when its p99 is under the threshold, its errors are within the limit, and it actually
    /// sustained the rate (completions kept up with the schedule within 10%).
    /// </summary>
    public static bool Passes(RunResult result, SearchOptions options) =>
        result.P99Ms < options.P99ThresholdMs &&
        result.ErrorRate <= options.MaxErrorRate &&
        (result.TargetRate is not { } target || result.AchievedRate >= 0.9 * target);
}
