using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Tests.Federation;

/// <summary>The per-domain breaker with explicit times: closed, open, half-open, re-open, close.</summary>
public sealed class CircuitBreakerTests
{
    private const int Normal = 4;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan OpenFor = TimeSpan.FromSeconds(60);

    private static CircuitBreaker Breaker() => new(threshold: 10, OpenFor);

    private static void Fail(CircuitBreaker breaker, int times, DateTimeOffset at)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.Failure(at);
        }
    }

    [Fact]
    public void Nine_failures_keep_it_closed_and_the_tenth_opens_it()
    {
        var breaker = Breaker();

        Fail(breaker, 9, T0);
        Assert.False(breaker.IsOpen(T0));
        Assert.False(breaker.IsHalfOpen(T0));
        Assert.Equal(Normal, breaker.Permits(T0, Normal));
        Assert.Null(breaker.ReopensAt);
        Assert.Equal(9, breaker.ConsecutiveFailures);

        breaker.Failure(T0);
        Assert.True(breaker.IsOpen(T0));
        Assert.Equal(0, breaker.Permits(T0, Normal));
        Assert.Equal(0, breaker.Permits(T0 + OpenFor - TimeSpan.FromMilliseconds(1), Normal));
        Assert.Equal(T0 + OpenFor, breaker.ReopensAt);
    }

    [Fact]
    public void After_open_for_one_trial_may_go()
    {
        var breaker = Breaker();
        Fail(breaker, 10, T0);

        var later = T0 + OpenFor;
        Assert.False(breaker.IsOpen(later));
        Assert.True(breaker.IsHalfOpen(later));
        Assert.Equal(1, breaker.Permits(later, Normal));
        Assert.Equal(1, breaker.Permits(later + TimeSpan.FromHours(5), Normal)); // still one until the trial settles
    }

    [Fact]
    public void A_failed_trial_reopens_it_at_once_for_another_open_for()
    {
        var breaker = Breaker();
        Fail(breaker, 10, T0);
        var trial = T0 + OpenFor + TimeSpan.FromSeconds(1);

        breaker.Failure(trial);

        Assert.True(breaker.IsOpen(trial));
        Assert.Equal(0, breaker.Permits(trial, Normal));
        Assert.Equal(trial + OpenFor, breaker.ReopensAt);
        Assert.Equal(0, breaker.Permits(trial + OpenFor - TimeSpan.FromSeconds(1), Normal));
        Assert.Equal(1, breaker.Permits(trial + OpenFor, Normal));
    }

    [Fact]
    public void A_success_closes_it_and_resets_the_count()
    {
        var breaker = Breaker();
        Fail(breaker, 10, T0);
        var trial = T0 + OpenFor;

        breaker.Success();

        Assert.False(breaker.IsOpen(trial));
        Assert.False(breaker.IsHalfOpen(trial));
        Assert.Equal(Normal, breaker.Permits(trial, Normal));
        Assert.Equal(0, breaker.ConsecutiveFailures);
        Assert.Null(breaker.ReopensAt);

        // The count starts over: nine more failures do not open it again.
        Fail(breaker, 9, trial);
        Assert.Equal(Normal, breaker.Permits(trial, Normal));
        breaker.Failure(trial);
        Assert.Equal(0, breaker.Permits(trial, Normal));
    }

    [Fact]
    public void Failures_interrupted_by_a_success_are_not_consecutive()
    {
        var breaker = Breaker();
        Fail(breaker, 9, T0);
        breaker.Success();
        Fail(breaker, 9, T0);

        Assert.Equal(Normal, breaker.Permits(T0, Normal));
        Assert.Equal(9, breaker.ConsecutiveFailures);
    }
}
