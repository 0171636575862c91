using System.Globalization;

namespace Herenow.Bench;

/// <summary>
/// Command line of the harness (bench/run.sh passes it). Two profiles: the full one for real figures and
/// <c>--quick</c> (short steps, small seed) for trying the harness out. Every size can be overridden.
/// </summary>
public sealed class BenchOptions
{
    public static readonly string[] AllFigures = ["health", "checkins", "home", "global", "place", "accounts", "nearby", "fanout", "mix", "history", "memory"];

    public string Verb { get; private set; } = "run";
    public bool Quick { get; private set; }
    public string BaseUrl { get; private set; } = "http://127.0.0.1:5180";
    public string? Postgres { get; private set; } = Environment.GetEnvironmentVariable("HERENOW_POSTGRES");
    public string ClusterId { get; private set; } = "herenow";
    public string? RunDir { get; private set; }
    public string OutDir { get; private set; } = "bench/results/tmp/last";
    public bool Append { get; private set; }
    public string? Variant { get; private set; }
    public string Commit { get; private set; } = "unknown";
    public HashSet<string> Only { get; private set; } = [.. AllFigures];

    public int Users { get; private set; }

    /// <summary>Mean follows per regular user in the Zipf follow graph (<see cref="Seeding.ZipfFollowGraph"/>).</summary>
    public double FollowsPerUser { get; private set; } = 10;

    /// <summary>The most follows one regular user has (the graph's out-degree cap).</summary>
    public int MaxFollows { get; private set; }
    public int[] Celebrities { get; private set; } = [];
    public int SeedCheckins { get; private set; }
    public int SessionPool { get; private set; }
    public TimeSpan StepDuration { get; private set; }
    public double WriteP99Ms { get; private set; } = 50;
    public double ReadP99Ms { get; private set; } = 10;
    public double StepFactor { get; private set; } = 1.5;
    public int FanoutPosts { get; private set; }
    public int FanoutSample { get; private set; } = 200;
    public int MemoryGrains { get; private set; }
    public int SeedParallelism { get; private set; } = 64;

    /// <summary>Where the read figures' searches start (home, global, place, accounts, nearby).</summary>
    public double ReadStartRate { get; private set; }

    /// <summary>Figure 3's background check-ins per second (0: 70% of figure 1's rate, searching figure 1 first).</summary>
    public double GlobalWriteRate { get; private set; } = 500;

    /// <summary>Figure 5's background check-ins per second while the largest celebrity's fan-out runs (0: skip that part).</summary>
    public double FanoutLoadRate { get; private set; } = 500;

    /// <summary>Record every GC pause of the silo(s) and the API through EventPipe and report the longest per figure.</summary>
    public bool GcPauses { get; private set; } = true;

    /// <summary>Where the /health/live baseline search starts (×<see cref="StepFactor"/> per step).</summary>
    public double HealthStartRate { get; private set; } = 2_000;

    /// <summary>After the health search, one short step offering this rate: the answered rate is the throughput ceiling (0: skip).</summary>
    public double SaturationRate { get; private set; } = 30_000;

    /// <summary>Where figure 1's search starts.</summary>
    public double CheckinStartRate { get; private set; } = 100;

    /// <summary>Pause after a counted step before the database counters are read again (statistics flush, left-over work).</summary>
    public double SettleSeconds { get; private set; } = 1;

    /// <summary>A one-second window with at most this many commits counts as quiet (before and after a counted step).</summary>
    public double QuietCommits { get; private set; } = 20;

    /// <summary>The longest wait, after a figure's background load, for the service to finish the work it left behind.</summary>
    public double DrainMaxSeconds { get; private set; } = 300;

    /// <summary>Drained means also: the silos used at most this many cores in the window (idle with 100k activations: ~0.12).</summary>
    public double QuietSiloCores { get; private set; } = 0.25;

    /// <summary>The longest wait for a quiet window.</summary>
    public double QuietMaxSeconds { get; private set; } = 30;

    /// <summary>The service's admin (metrics) port base: silo i serves /metrics on base + i (scripts/run.sh --admin-port).</summary>
    public int AdminPortBase { get; private set; }

    /// <summary>The Prometheus series summed for grain calls (a histogram's _count: one per call).</summary>
    public string GrainCallMetric { get; private set; } = "orleans_app_requests_latency_milliseconds_count";

    /// <summary>The most keep-alive connections one open-loop run may open.</summary>
    public int MaxConnections { get; private set; } = 512;

    // The history figure: one author with this many earlier check-ins against a new author.
    public int HistoryCheckins { get; private set; } = 10_000;
    public double HistoryRate { get; private set; } = 5;
    public double HistorySeedSeconds { get; private set; } = 600;
    public TimeSpan HistoryRound { get; private set; }
    public int HistoryRounds { get; private set; }

    // The load verb (profiling): one scenario at one fixed rate.
    public string Scenario { get; private set; } = "checkins";
    public double LoadRate { get; private set; } = 100;
    public TimeSpan LoadDuration { get; private set; } = TimeSpan.FromSeconds(15);

    /// <summary>The password every seeded account has, so any of them can sign in through POST /api/v1/sessions.</summary>
    public const string SeedPassword = "bench password 1";

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var rest = new Queue<string>(args);
        if (rest.Count > 0 && !rest.Peek().StartsWith("--", StringComparison.Ordinal)) o.Verb = rest.Dequeue();
        if (args.Contains("--quick")) o.Quick = true;
        o.ApplyProfile();
        while (rest.Count > 0)
        {
            var flag = rest.Dequeue();
            string Value() => rest.Count > 0 ? rest.Dequeue() : throw new ArgumentException($"{flag} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            double Double() => double.Parse(Value(), CultureInfo.InvariantCulture);
            switch (flag)
            {
                case "--quick": break;
                case "--base-url": o.BaseUrl = Value(); break;
                case "--postgres": o.Postgres = Value(); break;
                case "--cluster-id": o.ClusterId = Value(); break;
                case "--run-dir": o.RunDir = Value(); break;
                case "--out": o.OutDir = Value(); break;
                case "--append": o.Append = true; break;
                case "--variant": o.Variant = Value(); break;
                case "--commit": o.Commit = Value(); break;
                case "--only":
                    o.Only = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    break;
                case "--users": o.Users = Int(); break;
                case "--follows": o.FollowsPerUser = Double(); break;
                case "--max-follows": o.MaxFollows = Int(); break;
                case "--read-start-rate": o.ReadStartRate = Double(); break;
                case "--global-write-rate": o.GlobalWriteRate = Double(); break;
                case "--fanout-load-rate": o.FanoutLoadRate = Double(); break;
                case "--no-gc-pauses": o.GcPauses = false; break;
                case "--celebrities":
                    o.Celebrities = [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
                    break;
                case "--seed-checkins": o.SeedCheckins = Int(); break;
                case "--sessions": o.SessionPool = Int(); break;
                case "--step-seconds": o.StepDuration = TimeSpan.FromSeconds(Double()); break;
                case "--write-p99-ms": o.WriteP99Ms = Double(); break;
                case "--read-p99-ms": o.ReadP99Ms = Double(); break;
                case "--step-factor": o.StepFactor = Double(); break;
                case "--fanout-posts": o.FanoutPosts = Int(); break;
                case "--fanout-sample": o.FanoutSample = Int(); break;
                case "--memory-grains": o.MemoryGrains = Int(); break;
                case "--seed-parallelism": o.SeedParallelism = Int(); break;
                case "--health-start-rate": o.HealthStartRate = Double(); break;
                case "--checkin-start-rate": o.CheckinStartRate = Double(); break;
                case "--saturation-rate": o.SaturationRate = Double(); break;
                case "--settle-seconds": o.SettleSeconds = Double(); break;
                case "--quiet-commits": o.QuietCommits = Double(); break;
                case "--quiet-max-seconds": o.QuietMaxSeconds = Double(); break;
                case "--drain-max-seconds": o.DrainMaxSeconds = Double(); break;
                case "--quiet-silo-cores": o.QuietSiloCores = Double(); break;
                case "--admin-port": o.AdminPortBase = Int(); break;
                case "--grain-call-metric": o.GrainCallMetric = Value(); break;
                case "--connections": o.MaxConnections = Int(); break;
                case "--history-checkins": o.HistoryCheckins = Int(); break;
                case "--history-rate": o.HistoryRate = Double(); break;
                case "--history-seed-seconds": o.HistorySeedSeconds = Double(); break;
                case "--history-seconds": o.HistoryRound = TimeSpan.FromSeconds(Double()); break;
                case "--history-rounds": o.HistoryRounds = Int(); break;
                case "--scenario": o.Scenario = Value(); break;
                case "--rate": o.LoadRate = Double(); break;
                case "--seconds": o.LoadDuration = TimeSpan.FromSeconds(Double()); break;
                default: throw new ArgumentException($"unknown option {flag}");
            }
        }
        if (o.Celebrities.Length > 0 && o.Celebrities.Max() > o.Users)
        {
            throw new ArgumentException($"--users ({o.Users}) must be at least the largest --celebrities count ({o.Celebrities.Max()})");
        }
        if (o.StepFactor <= 1) throw new ArgumentException("--step-factor must be above 1");
        if (o.FollowsPerUser < 1) throw new ArgumentException("--follows (the mean) must be at least 1");
        if (o.MaxFollows < o.FollowsPerUser) throw new ArgumentException($"--max-follows ({o.MaxFollows}) must be at least --follows ({o.FollowsPerUser})");
        return o;
    }

    private void ApplyProfile()
    {
        // Full: enough users that one account can have 100k followers. Quick: minutes, not hours.
        Users = Quick ? 2_000 : 110_000;
        MaxFollows = Quick ? 200 : 1_000;
        ReadStartRate = Quick ? 20 : 50;
        Celebrities = Quick ? [100, 1_000] : [1_000, 10_000, 100_000];
        SeedCheckins = Quick ? 2_000 : 20_000;
        SessionPool = Quick ? 200 : 2_000;
        StepDuration = TimeSpan.FromSeconds(Quick ? 2 : 10);
        FanoutPosts = Quick ? 3 : 7;
        MemoryGrains = Quick ? 2_000 : 100_000;
        HistoryRound = TimeSpan.FromSeconds(Quick ? 4 : 10);
        HistoryRounds = Quick ? 2 : 3;
    }

    public string Profile => Quick ? "quick" : "full";
}
