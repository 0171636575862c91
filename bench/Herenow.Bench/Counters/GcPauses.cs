using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Herenow.Bench.Counters;

/// <summary>One stop of the managed threads for a GC: from the suspension's start to the restart's end.</summary>
public readonly record struct GcPause(DateTime StartUtc, double Ms);

/// <summary>GC pauses of one process (or group) in a time window.</summary>
public sealed record GcPauseSummary(int Count, double TotalMs, double LongestMs)
{
    public static readonly GcPauseSummary None = new(0, 0, 0);

    /// <summary>Several processes as one group (all silos): counts and totals add up, the longest is the longest.</summary>
    public static GcPauseSummary Combine(IEnumerable<GcPauseSummary> parts) =>
        parts.Aggregate(None, (a, b) => new GcPauseSummary(a.Count + b.Count, a.TotalMs + b.TotalMs, Math.Max(a.LongestMs, b.LongestMs)));
}

/// <summary>
/// Turns a process's runtime suspension events into GC pauses: a pause starts at GCSuspendEEBegin (only when the
/// suspension is for a GC; the runtime also suspends for the debugger, rejit and shutdown) and ends at the next
/// GCRestartEEEnd — the window in which no managed thread runs, which is what a request waiting on the process sees.
/// A background GC has several such pauses, each counted. Thread-safe: events arrive on the EventPipe reader's
/// thread, windows are read from the figures'.
/// </summary>
public sealed class GcPauseTracker
{
    private readonly object gate = new();
    private readonly List<GcPause> pauses = [];
    private DateTime? suspendedAt;

    public void SuspendStart(DateTime utc, bool forGc)
    {
        lock (gate) suspendedAt = forGc ? utc : null;
    }

    public void RestartEnd(DateTime utc)
    {
        lock (gate)
        {
            if (suspendedAt is { } start && utc >= start) pauses.Add(new GcPause(start, (utc - start).TotalMilliseconds));
            suspendedAt = null;
        }
    }

    /// <summary>The pauses that started in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>].</summary>
    public GcPauseSummary Window(DateTime fromUtc, DateTime toUtc)
    {
        lock (gate)
        {
            var inside = pauses.Where(p => p.StartUtc >= fromUtc && p.StartUtc <= toUtc).ToList();
            return inside.Count == 0 ? GcPauseSummary.None : new GcPauseSummary(inside.Count, inside.Sum(p => p.Ms), inside.Max(p => p.Ms));
        }
    }

    public int Count
    {
        get
        {
            lock (gate) return pauses.Count;
        }
    }
}

/// <summary>
/// Every GC pause of the silo(s) and the API, recorded for the whole harness invocation: an EventPipe session per
/// process (the runtime's diagnostic socket, as dotnet-trace and dotnet-counters use; provider
/// Microsoft-Windows-DotNETRuntime, GC keyword, informational — a few events per GC, no stacks, no rundown) read
/// with TraceEvent. Each figure then reports the longest pause that started while it ran, per process group.
/// dotnet-counters was not used: its counters give GC time per interval, not the length of single pauses.
/// </summary>
public sealed class GcPauseMonitor : IAsyncDisposable
{
    private readonly List<Attached> processes = [];

    private sealed record Attached(string Group, string Name, int Pid, GcPauseTracker Tracker, EventPipeSession Session, Task Reader);

    private GcPauseMonitor()
    {
    }

    /// <summary>What is watched (or why nothing is), for the report.</summary>
    public string Describe { get; private set; } = "";

    public bool Any => processes.Count > 0;

    /// <summary>Attaches to the processes whose pid files scripts/run.sh wrote into <paramref name="runDir"/> (silo-*.pid, api.pid).</summary>
    public static GcPauseMonitor Start(string? runDir)
    {
        var monitor = new GcPauseMonitor();
        var notes = new List<string>();
        var targets = new List<(string Group, string Name, int Pid)>();
        if (runDir is not null && Directory.Exists(runDir))
        {
            var api = ReadPid(Path.Combine(runDir, "api.pid"));
            foreach (var file in Directory.GetFiles(runDir, "silo-*.pid").Order(StringComparer.Ordinal))
            {
                // Co-hosted (bench/run.sh --cohost), silo 1 is the API's process: attached once, as "api".
                if (ReadPid(file) is > 0 and var pid && pid != api) targets.Add(("silo", Path.GetFileNameWithoutExtension(file), pid));
            }
            if (api > 0) targets.Add(("api", "api", api));
        }
        foreach (var (group, name, pid) in targets)
        {
            try
            {
                monitor.processes.Add(Attach(group, name, pid));
            }
            catch (Exception e) when (e is ServerNotAvailableException or UnsupportedCommandException or ServerErrorException
                or IOException or UnauthorizedAccessException or TimeoutException or ArgumentException)
            {
                notes.Add($"{name} (pid {pid}): not attached ({e.GetType().Name}: {e.Message})");
            }
        }
        notes.Insert(0, monitor.processes.Count == 0
            ? "GC pauses not recorded (no process attached)"
            : "GC pauses from EventPipe (GCSuspendEEBegin for a GC → GCRestartEEEnd) of " + string.Join(", ", monitor.processes.Select(p => FormattableString.Invariant($"{p.Name} (pid {p.Pid})"))));
        monitor.Describe = string.Join("; ", notes);
        return monitor;
    }

    private static Attached Attach(string group, string name, int pid)
    {
        var client = new DiagnosticsClient(pid);
        var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.GC) };
        var session = client.StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 16);
        var tracker = new GcPauseTracker();
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                using var source = new EventPipeEventSource(session.EventStream);
                source.Clr.GCSuspendEEStart += e => tracker.SuspendStart(e.TimeStamp.ToUniversalTime(),
                    e.Reason is GCSuspendEEReason.SuspendForGC or GCSuspendEEReason.SuspendForGCPrep);
                source.Clr.GCRestartEEStop += e => tracker.RestartEnd(e.TimeStamp.ToUniversalTime());
                source.Process();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or EndOfStreamException)
            {
                // The process exited or the session was stopped: what was recorded stays.
            }
        }, TaskCreationOptions.LongRunning);
        return new Attached(group, name, pid, tracker, session, reader);
    }

    /// <summary>
    /// Pauses that started in the window, per group (<c>silo</c>: all silos together; <c>api</c>). Waits a second
    /// first: the runtime hands events to the session in buffers, so the last ones arrive a little late.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, GcPauseSummary>> WindowAsync(DateTime fromUtc, DateTime toUtc, CancellationToken ct = default)
    {
        if (processes.Count == 0) return new Dictionary<string, GcPauseSummary>();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        return processes.GroupBy(p => p.Group, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => GcPauseSummary.Combine(g.Select(p => p.Tracker.Window(fromUtc, toUtc))), StringComparer.Ordinal);
    }

    private static int ReadPid(string file) =>
        File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var p in processes)
        {
            try
            {
                await p.Session.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is ServerNotAvailableException or IOException or TimeoutException or ObjectDisposedException or ServerErrorException)
            {
                // Gone already.
            }
            await p.Reader.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            p.Session.Dispose();
        }
    }
}
