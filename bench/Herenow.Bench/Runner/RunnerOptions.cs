namespace Herenow.Bench.Runner;

/// <summary>Limits that keep every run bounded in time and memory, whatever the server does.</summary>
public sealed record RunnerOptions
{
    /// <summary>
    /// A request still unanswered after this is an error ("timeout"); a scheduled request still waiting for a free
    /// connection after this is not sent ("expired"). It also bounds the drain after a run.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most keep-alive connections one open-loop run opens (one request in flight on each).</summary>
    public int MaxConnections { get; init; } = 512;
}
