using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Tests.Federation;

/// <summary>Exponential backoff with full jitter: the caps, the spread of the samples, and Retry-After as a floor.</summary>
public sealed class RetryScheduleTests
{
    private static readonly FederationOptions Defaults = new();

    private static FederationOptions Short(double baseSeconds, double maxSeconds) => new()
    {
        BaseDelay = TimeSpan.FromSeconds(baseSeconds),
        MaxDelay = TimeSpan.FromSeconds(maxSeconds),
    };

    [Fact]
    public void Caps_double_from_the_base_delay_and_stop_at_the_max_delay()
    {
        var options = Short(1, 60);

        Assert.Equal(TimeSpan.FromSeconds(1), RetrySchedule.Cap(1, options));
        Assert.Equal(TimeSpan.FromSeconds(2), RetrySchedule.Cap(2, options));
        Assert.Equal(TimeSpan.FromSeconds(4), RetrySchedule.Cap(3, options));
        Assert.Equal(TimeSpan.FromSeconds(32), RetrySchedule.Cap(6, options));
        Assert.Equal(TimeSpan.FromSeconds(60), RetrySchedule.Cap(7, options)); // 64 s capped
        Assert.Equal(TimeSpan.FromSeconds(60), RetrySchedule.Cap(50, options));
        Assert.Equal(TimeSpan.FromSeconds(60), RetrySchedule.Cap(int.MaxValue, options));
        // Zero or negative counts are treated as the first failure, not as a shorter or negative wait.
        Assert.Equal(TimeSpan.FromSeconds(1), RetrySchedule.Cap(0, options));
        Assert.Equal(TimeSpan.FromSeconds(1), RetrySchedule.Cap(-3, options));
    }

    [Fact]
    public void With_the_defaults_the_fifteen_waits_add_up_to_about_five_days_of_caps_and_under_three_days_expected()
    {
        Assert.Equal(16, Defaults.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(1), Defaults.BaseDelay);
        Assert.Equal(TimeSpan.FromHours(24), Defaults.MaxDelay);

        // 16 attempts are 15 waits: after attempt 1..15.
        var caps = Enumerable.Range(1, Defaults.MaxAttempts - 1).Select(n => RetrySchedule.Cap(n, Defaults)).ToList();
        var total = caps.Aggregate(TimeSpan.Zero, (sum, cap) => sum + cap);

        // 1+2+...+1024 minutes, then four waits capped at 24 h: 2047 min + 5760 min = 7807 min ≈ 5.42 days.
        Assert.Equal(TimeSpan.FromMinutes(7807), total);
        Assert.InRange(total.TotalDays, 5.3, 5.5);
        var expected = total / 2; // full jitter: the mean of U[0, cap] is cap/2
        Assert.InRange(expected.TotalDays, 2.0, 3.0);
        Assert.Equal(4, caps.Count(c => c == Defaults.MaxDelay));
    }

    [Fact]
    public void Sampled_delays_stay_within_zero_and_the_cap()
    {
        var random = new Random(12345);
        var options = Short(0.2, 5);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var cap = RetrySchedule.Cap(attempt, options);
            for (var i = 0; i < 500; i++)
            {
                var delay = RetrySchedule.Delay(attempt, options, random);
                Assert.InRange(delay, TimeSpan.Zero, cap);
            }
        }
    }

    [Fact]
    public void Jitter_spreads_the_delays_of_deliveries_that_failed_together()
    {
        var random = new Random(42);
        var cap = RetrySchedule.Cap(5, Defaults); // 16 minutes

        var samples = Enumerable.Range(0, 1000).Select(_ => RetrySchedule.Delay(5, Defaults, random).TotalSeconds).ToList();

        var spread = samples.Max() - samples.Min();
        Assert.True(spread > 0.9 * cap.TotalSeconds, $"spread {spread:F1}s of cap {cap.TotalSeconds}s");
        Assert.True(samples.Distinct().Count() > 990, "nearly every sample should differ");
        // Uniform on [0, cap]: mean near cap/2, and every tenth of the range gets a share.
        Assert.InRange(samples.Average(), 0.45 * cap.TotalSeconds, 0.55 * cap.TotalSeconds);
        var deciles = samples.GroupBy(s => Math.Min(9, (int)(s / cap.TotalSeconds * 10))).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, deciles.Count);
        Assert.All(deciles.Values, count => Assert.InRange(count, 60, 140));
    }

    [Fact]
    public void Retry_after_longer_than_the_jittered_wait_wins()
    {
        var random = new Random(7);
        var asked = TimeSpan.FromMinutes(10); // the cap after one failure is 1 minute

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(asked, RetrySchedule.Delay(1, Defaults, random, asked));
        }
    }

    [Fact]
    public void Retry_after_is_a_floor_not_a_replacement()
    {
        var random = new Random(99);
        var asked = TimeSpan.FromMinutes(4); // the cap after four failures is 8 minutes

        var samples = Enumerable.Range(0, 500).Select(_ => RetrySchedule.Delay(4, Defaults, random, asked)).ToList();

        Assert.All(samples, d => Assert.InRange(d, asked, RetrySchedule.Cap(4, Defaults)));
        Assert.Contains(samples, d => d > asked); // jitter above the floor is kept
    }

    [Fact]
    public void Retry_after_is_capped_at_the_max_delay()
    {
        var random = new Random(3);
        var options = Short(1, 60);

        Assert.Equal(TimeSpan.FromSeconds(60), RetrySchedule.Delay(1, options, random, TimeSpan.FromDays(30)));
        Assert.Equal(Defaults.MaxDelay, RetrySchedule.Delay(3, Defaults, random, TimeSpan.FromDays(7)));
    }
}
