namespace Herenow.Tests.Runtime;

/// <summary>A clock whose timestamps move only when a test says so (the caches measure their lifetimes with them).</summary>
public sealed class ManualClock : TimeProvider
{
    private long ticks = 1;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
