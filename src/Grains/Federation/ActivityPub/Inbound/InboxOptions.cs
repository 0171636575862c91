namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary><c>Herenow:Federation:Inbox</c>: retries of inbound activities that failed to apply, and the sweeper.</summary>
public sealed class InboxOptions
{
    public const string Section = "Herenow:Federation:Inbox";

    /// <summary>
    /// Attempts before an activity is given up on. Failures here are local (the database, a grain call), not the
    /// sender's, so the schedule is shorter than outbound delivery's: with the defaults about 6 hours in all.
    /// </summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Backoff with full jitter (RetrySchedule): attempt n waits up to min(MaxDelay, BaseDelay·2^(n-1)).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often each silo's sweeper looks for pending rows nobody is working on.</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a due row may wait before the sweeper wakes its actor's grain (the wake on receipt comes first).</summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows read per query by an actor's grain.</summary>
    public int BatchSize { get; set; } = 50;

    public bool IsValid() => MaxAttempts >= 1 && BaseDelay > TimeSpan.Zero && MaxDelay >= BaseDelay && SweepPeriod > TimeSpan.Zero
                             && SweepGrace >= TimeSpan.Zero && BatchSize >= 1;
}
