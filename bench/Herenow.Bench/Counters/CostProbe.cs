using System.Globalization;
using Npgsql;

namespace Herenow.Bench.Counters;

/// <summary>Cumulative counters at one moment. CPU in milliseconds per process group; null where not available.</summary>
public sealed record CostSnapshot(IReadOnlyDictionary<string, double> CpuMs, long? Commits, long? Statements, long? StatementsEvicted,
    long? WalBytes, long? WalLsn, double? GrainCalls, double? StorageWrites = null, long Timestamp = 0);

/// <summary>
/// Work per request over one run, from counters that do not depend on how busy the host was: database commits,
/// statements, WAL bytes, grain calls, and CPU time per process (which other load on the host moves only a little,
/// through caches and frequency, not through queueing).
/// </summary>
public sealed record CostPerRequest(long Requests, IReadOnlyDictionary<string, double> CpuMs, double? Commits, double? Statements,
    double? WalBytes, double? WalLsnBytes, double? GrainCalls, string? Note = null, double? StorageWrites = null)
{
    /// <summary>The same before the idle service's background work was subtracted (null when nothing was subtracted).</summary>
    public CostPerRequest? Uncorrected { get; init; }

    /// <summary>
    /// <see cref="From(CostSnapshot, CostSnapshot, CostSnapshot, long)"/> minus what the service does with no load:
    /// the counters' rates over an idle window just before the run (<paramref name="idleStart"/> to
    /// <paramref name="start"/>), times the run's own windows. Membership heartbeats, reminders and left-over work
    /// from earlier steps are then not charged to the requests; a window with lumpy background work still is.
    /// </summary>
    public static CostPerRequest From(CostSnapshot idleStart, CostSnapshot start, CostSnapshot cpuEnd, CostSnapshot end, long requests)
    {
        var raw = From(start, cpuEnd, end, requests);
        var idleS = Seconds(idleStart, start);
        if (idleS <= 0) return raw;
        var n = (double)Math.Max(1, requests);
        var dbS = Seconds(start, end);
        var cpuS = Seconds(start, cpuEnd);
        double? Minus(double? perRequest, double? a, double? b, double windowS) =>
            perRequest is { } v && a is { } x && b is { } y ? v - (y - x) / idleS * windowS / n : perRequest;
        var cpu = raw.CpuMs.ToDictionary(p => p.Key, p => idleStart.CpuMs.TryGetValue(p.Key, out var i0) && start.CpuMs.TryGetValue(p.Key, out var i1)
            ? p.Value - (i1 - i0) / idleS * cpuS / n
            : p.Value);
        return raw with
        {
            CpuMs = cpu,
            Commits = Minus(raw.Commits, idleStart.Commits, start.Commits, dbS),
            Statements = Minus(raw.Statements, idleStart.Statements, start.Statements, dbS),
            WalBytes = Minus(raw.WalBytes, idleStart.WalBytes, start.WalBytes, dbS),
            WalLsnBytes = Minus(raw.WalLsnBytes, idleStart.WalLsn, start.WalLsn, dbS),
            GrainCalls = Minus(raw.GrainCalls, idleStart.GrainCalls, start.GrainCalls, dbS),
            StorageWrites = Minus(raw.StorageWrites, idleStart.StorageWrites, start.StorageWrites, dbS),
            Uncorrected = raw,
        };
    }

    private static double Seconds(CostSnapshot a, CostSnapshot b) =>
        a.Timestamp == 0 || b.Timestamp == 0 ? 0 : Runner.BenchClock.ToMilliseconds(b.Timestamp - a.Timestamp) / 1000;

    /// <param name="cpuEnd">CPU taken when the run's last answer arrived (the settle time after it is not charged).</param>
    /// <param name="end">Database and grain counters taken after the settle time (PostgreSQL publishes backends' stats within about a second).</param>
    public static CostPerRequest From(CostSnapshot start, CostSnapshot cpuEnd, CostSnapshot end, long requests)
    {
        var n = Math.Max(1, requests);
        double? Per(long? a, long? b) => a is { } x && b is { } y ? (double)(y - x) / n : null;
        var cpu = cpuEnd.CpuMs.Where(p => start.CpuMs.ContainsKey(p.Key))
            .ToDictionary(p => p.Key, p => (p.Value - start.CpuMs[p.Key]) / n);
        var evicted = start.StatementsEvicted is { } e0 && end.StatementsEvicted is { } e1 && e1 != e0;
        return new CostPerRequest(requests, cpu, Per(start.Commits, end.Commits), evicted ? null : Per(start.Statements, end.Statements),
            Per(start.WalBytes, end.WalBytes), Per(start.WalLsn, end.WalLsn),
            start.GrainCalls is { } g0 && end.GrainCalls is { } g1 ? (g1 - g0) / n : null,
            evicted ? "pg_stat_statements evicted entries during the run: statements not counted" : null,
            start.StorageWrites is { } w0 && end.StorageWrites is { } w1 ? (w1 - w0) / n : null);
    }

    public string Summary => string.Join("  ", new[]
    {
        Commits is { } c ? FormattableString.Invariant($"commits {c:F2}") : null,
        Statements is { } s ? FormattableString.Invariant($"statements {s:F1}") : null,
        WalBytes is { } w ? FormattableString.Invariant($"WAL {w:F0} B") : null,
        GrainCalls is { } g ? FormattableString.Invariant($"grain calls {g:F1}") : null,
        StorageWrites is { } sw ? FormattableString.Invariant($"state writes {sw:F2}") : null,
        "CPU ms " + string.Join(" ", CpuMs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => FormattableString.Invariant($"{p.Key} {p.Value:F3}"))),
    }.Where(x => x is not null)) + " per request";

    /// <summary>Sums several runs' costs (weighted by their requests), e.g. the rounds of the history figure.</summary>
    public static CostPerRequest? Combine(IReadOnlyList<CostPerRequest> parts)
    {
        if (parts.Count == 0) return null;
        var n = parts.Sum(p => p.Requests);
        if (n == 0) return parts[0];
        double? W(Func<CostPerRequest, double?> f) => parts.All(p => f(p) is not null) ? parts.Sum(p => f(p)!.Value * p.Requests) / n : null;
        var keys = parts.SelectMany(p => p.CpuMs.Keys).Distinct();
        return new CostPerRequest(n, keys.ToDictionary(k => k, k => parts.Sum(p => p.CpuMs.GetValueOrDefault(k) * p.Requests) / n),
            W(p => p.Commits), W(p => p.Statements), W(p => p.WalBytes), W(p => p.WalLsnBytes), W(p => p.GrainCalls),
            StorageWrites: W(p => p.StorageWrites));
    }
}

/// <summary>
/// Reads the counters: /proc/&lt;pid&gt;/stat utime+stime of the silo(s) and the API (pid files scripts/run.sh writes
/// into --run-dir), of every process of the PostgreSQL cluster (the postmaster, its live children, and — through the
/// postmaster's cutime/cstime — children that exited) and of the harness itself; pg_stat_database.xact_commit of the
/// service's database; sum(calls) of pg_stat_statements (when the server preloads it; bench/lib/service.sh does);
/// pg_stat_wal.wal_bytes and pg_current_wal_lsn(); and grain calls and grain state writes from the Prometheus
/// /metrics of the API and the silos. Its own
/// queries run in the <c>postgres</c> database, so they do not count against the service's database.
/// </summary>
public sealed class CostProbe : IAsyncDisposable
{
    private static readonly double MsPerTick = 1000.0 / ClockTicksPerSecond();
    private readonly NpgsqlConnection? db;
    private readonly string database;
    private readonly string? runDir;
    private readonly int adminPortBase;
    private readonly string grainCallMetric;
    private const string StorageWriteMetric = "orleans_storage_write_latency_milliseconds_count";
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private int postmaster;
    private bool statements;

    private CostProbe(NpgsqlConnection? db, string database, string? runDir, int adminPortBase, string grainCallMetric)
    {
        this.db = db;
        this.database = database;
        this.runDir = runDir;
        this.adminPortBase = adminPortBase;
        this.grainCallMetric = grainCallMetric;
    }

    /// <summary>What is being counted, for the report (e.g. whether pg_stat_statements is on).</summary>
    public string Describe { get; private set; } = "";

    public static async Task<CostProbe> StartAsync(string? postgres, string? runDir, int adminPortBase, string grainCallMetric, CancellationToken ct)
    {
        NpgsqlConnection? db = null;
        var database = "herenow";
        if (postgres is not null)
        {
            var builder = new NpgsqlConnectionStringBuilder(postgres);
            database = builder.Database ?? database;
            builder.Database = "postgres";
            builder.Pooling = false;
            db = new NpgsqlConnection(builder.ConnectionString);
        }
        var probe = new CostProbe(db, database, runDir, adminPortBase, grainCallMetric);
        await probe.InitAsync(ct);
        return probe;
    }

    private async Task InitAsync(CancellationToken ct)
    {
        var notes = new List<string>();
        if (db is not null)
        {
            await db.OpenAsync(ct);
            postmaster = ParentPid(Convert.ToInt32(await ScalarAsync("SELECT pg_backend_pid()", ct), CultureInfo.InvariantCulture));
            var preload = (string?)await ScalarAsync("SHOW shared_preload_libraries", ct) ?? "";
            statements = preload.Contains("pg_stat_statements", StringComparison.Ordinal);
            if (statements) await ScalarAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", ct);
            notes.Add(statements ? "pg_stat_statements on" : "pg_stat_statements not preloaded: statements not counted");
        }
        else
        {
            notes.Add("no PostgreSQL connection: database counters not taken");
        }
        var silos = SiloPids();
        var coHosted = ApiPid() is { } apiPid && Directory.GetFiles(runDir!, "silo-*.pid").Select(ReadPid).Contains(apiPid);
        notes.Add(FormattableString.Invariant($"{silos.Count} silo(s) apart from the API, api {(ApiPid() is null ? "not found" : coHosted ? "found (co-hosting silo 1: its CPU is the api's)" : "found")}, postmaster {(postmaster > 0 ? postmaster.ToString(CultureInfo.InvariantCulture) : "not found")}"));
        notes.Add((await ScrapeAsync() is null ? "grain calls not available" : "grain calls from")
            + $" {grainCallMetric} (caller side) on the API's and the silos' /metrics (admin ports {adminPortBase}, {adminPortBase}+i), grain state writes from {StorageWriteMetric}");
        Describe = string.Join("; ", notes);
    }

    public CostSnapshot TakeCpu() => new(Cpu(), null, null, null, null, null, null, Timestamp: Runner.BenchClock.Now);

    public async Task<CostSnapshot> TakeAsync(CancellationToken ct = default)
    {
        var timestamp = Runner.BenchClock.Now;
        var cpu = Cpu();
        long? commits = null, statementCalls = null, evicted = null, walBytes = null, lsn = null;
        if (db is not null)
        {
            await using var command = new NpgsqlCommand(
                "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = @db), " +
                "(SELECT wal_bytes::bigint FROM pg_stat_wal), (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint" +
                (statements
                    ? ", (SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = @db)), (SELECT dealloc FROM pg_stat_statements_info)"
                    : ""), db);
            command.Parameters.AddWithValue("db", database);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            commits = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            walBytes = reader.GetInt64(1);
            lsn = reader.GetInt64(2);
            if (statements)
            {
                statementCalls = reader.GetInt64(3);
                evicted = reader.GetInt64(4);
            }
        }
        var scraped = await ScrapeAsync();
        return new CostSnapshot(cpu, commits, statementCalls, evicted, walBytes, lsn, scraped?.Calls, scraped?.Writes, timestamp);
    }

    private Dictionary<string, double> Cpu()
    {
        var cpu = new Dictionary<string, double>
        {
            ["silo"] = SiloPids().Sum(p => Ticks(p, children: false)) * MsPerTick,
            ["harness"] = Environment.ProcessId is var self ? Ticks(self, children: false) * MsPerTick : 0,
        };
        if (ApiPid() is { } api) cpu["api"] = Ticks(api, children: false) * MsPerTick;
        if (postmaster > 0)
        {
            // The postmaster (with the CPU of children it has reaped) plus every live child: backends, walwriter,
            // checkpointer, autovacuum...
            cpu["postgres"] = (Ticks(postmaster, children: true) + ChildrenOf(postmaster).Sum(p => Ticks(p, children: false))) * MsPerTick;
        }
        return cpu;
    }

    // Co-hosted (bench/run.sh --cohost), silo 1 is the API's process: counted once, as "api".
    private List<int> SiloPids() =>
        runDir is null || !Directory.Exists(runDir)
            ? []
            : [.. Directory.GetFiles(runDir, "silo-*.pid").Order(StringComparer.Ordinal).Select(ReadPid).Where(p => p > 0 && p != ApiPid())];

    private int? ApiPid()
    {
        var file = runDir is null ? null : Path.Combine(runDir, "api.pid");
        return file is not null && File.Exists(file) && ReadPid(file) is > 0 and var pid ? pid : null;
    }

    private static int ReadPid(string file) => int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;

    /// <summary>
    /// Grain calls so far (the sum of <see cref="grainCallMetric"/> — Orleans records a call on the caller's side, so
    /// the API's calls into the cluster are on the API's /metrics and grain-to-grain calls on the silos') and grain
    /// state writes (silos).
    /// </summary>
    private async Task<(double Calls, double Writes)?> ScrapeAsync()
    {
        if (runDir is null || adminPortBase <= 0 || !Directory.Exists(runDir)) return null;
        var ports = new List<int> { adminPortBase };
        foreach (var file in Directory.GetFiles(runDir, "silo-*.pid"))
        {
            // Co-hosted, silo 1 has no admin server of its own: the API's /metrics carries its calls.
            if (ReadPid(file) == ApiPid()) continue;
            if (int.TryParse(Path.GetFileNameWithoutExtension(file).AsSpan(5), CultureInfo.InvariantCulture, out var index)) ports.Add(adminPortBase + index);
        }
        double calls = 0, writes = 0;
        var any = false;
        foreach (var port in ports)
        {
            try
            {
                var text = await http.GetStringAsync(new Uri(FormattableString.Invariant($"http://127.0.0.1:{port}/metrics")));
                foreach (var line in text.Split('\n'))
                {
                    if (Sample(line, grainCallMetric) is { } c)
                    {
                        calls += c;
                        any = true;
                    }
                    else if (Sample(line, StorageWriteMetric) is { } w)
                    {
                        writes += w;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }
        return any ? (calls, writes) : null;
    }

    /// <summary>The value of a Prometheus sample line of <paramref name="metric"/> (any labels), or null.</summary>
    private static double? Sample(string line, string metric)
    {
        if (!line.StartsWith(metric, StringComparison.Ordinal)) return null;
        var rest = line.AsSpan(metric.Length);
        if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{')) return null;
        var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
        return double.TryParse(value, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return await command.ExecuteScalarAsync(ct);
    }

    /// <summary>utime + stime (+ cutime + cstime of reaped children) in clock ticks; 0 if the process is gone.</summary>
    private static long Ticks(int pid, bool children)
    {
        var f = StatFields(pid);
        if (f is null) return 0;
        // Fields after the command (field 2): index 0 is field 3 (state); utime is field 14 -> index 11.
        var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        if (children) ticks += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
        return ticks;
    }

    private static int ParentPid(int pid) => StatFields(pid) is { } f ? int.Parse(f[1], CultureInfo.InvariantCulture) : 0;

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid)) continue;
            if (ParentPid(pid) == parent) yield return pid;
        }
    }

    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (in parentheses) may contain spaces: split after its closing parenthesis.
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long ClockTicksPerSecond() => 100; // USER_HZ: 100 on every Linux ABI .NET runs on.

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (db is not null) await db.DisposeAsync();
    }
}
