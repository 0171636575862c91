namespace Herenow.Bench.Runner;

/// <summary>Limits that keep every run bounded in time and memory, whatever the server does.</summary>
public sealed record RunnerOptions
{
    /// <summary>A request still unanswered after this is an error ("timeout"); it also bounds the drain after a run.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends due while this many are in flight are dropped and counted as errors instead of piling up without
    /// bound against a server that has stopped answering.
    /// </summary>
    public int MaxInFlight { get; init; } = 10_000;
}
