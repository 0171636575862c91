using Herenow.Bench.Runner;

namespace Herenow.Tests.Bench;

public sealed class RateSearchTests
{
    private static RunResult Step(double rate, double p99, long errors = 0) =>
        new("x", "fixed-rate", rate, 1, 1000, errors, rate, p99 / 2, p99, p99, p99, p99, new Dictionary<string, long>(), []);

    [Fact]
    public async Task Reports_the_last_step_under_the_threshold_and_stops_at_the_first_over_it()
    {
        var options = new SearchOptions(StartRate: 100, Factor: 1.5, StepDuration: TimeSpan.FromSeconds(1), P99ThresholdMs: 50);
        var asked = new List<double>();
        var result = await RateSearch.RunAsync(options, rate =>
        {
            asked.Add(rate);
            return Task.FromResult(Step(rate, p99: rate < 300 ? 10 : 80));
        });

        Assert.Equal([100, 150, 225, 337.5], asked);
        Assert.Equal(225, result.Found!.TargetRate);
        Assert.Contains("p99", result.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_with_more_than_one_percent_errors_fails()
    {
        var options = new SearchOptions(100, 2, TimeSpan.FromSeconds(1), 50);
        var result = await RateSearch.RunAsync(options, rate => Task.FromResult(Step(rate, 5, errors: rate > 100 ? 11 : 0)));

        Assert.Equal(100, result.Found!.TargetRate);
        Assert.Equal(2, result.Steps.Count);
        Assert.Contains("error rate", result.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_first_step_fails_it_steps_down_until_one_passes()
    {
        var options = new SearchOptions(StartRate: 200, Factor: 2, StepDuration: TimeSpan.FromSeconds(1), P99ThresholdMs: 50);
        var asked = new List<double>();
        var result = await RateSearch.RunAsync(options, rate =>
        {
            asked.Add(rate);
            return Task.FromResult(Step(rate, p99: rate > 20 ? 80 : 10));
        });

        Assert.Equal([200, 50, 12.5], asked);
        Assert.Equal(12.5, result.Found!.TargetRate);
    }

    [Fact]
    public async Task Every_search_ends_at_the_step_cap()
    {
        var options = new SearchOptions(1, 1.5, TimeSpan.FromSeconds(1), 50, MaxSteps: 4);
        var result = await RateSearch.RunAsync(options, rate => Task.FromResult(Step(rate, 1)));
        Assert.Equal(4, result.Steps.Count);
    }
}
