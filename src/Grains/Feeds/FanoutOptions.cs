namespace Herenow.Grains.Feeds;

/// <summary>Timing of the fan-out outbox (UserGrain.Fanout.cs). Bound from the "Herenow:Fanout" section.</summary>
public sealed class FanoutOptions
{
    public const string Section = "Herenow:Fanout";

    /// <summary>
    /// How long a confirmed event stays in the outbox before it is let go. Longer than a stream queue holds it plus the time the cluster takes to declare a killed silo dead (docs/adr/0014-failure-detection.md), so a
    /// loss is noticed while the event can still be sent again.
    /// </summary>
    public TimeSpan SettleAfter { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often an active author's outbox is checked while it holds events.</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the author's grain owns a committed event before the outbox sweeper may take it over (its grain died, or
    /// was collected before the event settled). Longer than <see cref="SettleAfter"/> plus <see cref="CheckPeriod"/>, so
    /// a live grain clears its events first and the sweeper touches only orphans.
    /// </summary>
    public TimeSpan OutboxLease { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How often each silo's outbox sweeper looks for events past their lease.</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Hybrid fan-out: an author with more followers than this is not pushed into their feeds; each silo keeps the
    /// author's newest check-ins once and followers' pages merge them at read time (docs/adr/0027-feeds-as-caches.md).
    /// </summary>
    public int MergeAtReadAbove { get; set; } = 10_000;
}
