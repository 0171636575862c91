namespace Herenow.Grains.Feeds;

/// <summary>Timing of the fan-out outbox (UserGrain.Fanout.cs). Bound from the "Herenow:Fanout" section.</summary>
public sealed class FanoutOptions
{
    public const string Section = "Herenow:Fanout";

    /// <summary>A worker that has not confirmed by then is presumed lost, and the event is dispatched again.</summary>
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a confirmed event stays in the outbox before it is let go. Longer than a feed's write-behind (about
    /// 2 s) plus the time the cluster takes to declare a killed silo dead (docs/adr/0014-failure-detection.md), so a
    /// loss is noticed while the event can still be sent again.
    /// </summary>
    public TimeSpan SettleAfter { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often an active author's outbox is checked while it holds events.</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromSeconds(10);
}
