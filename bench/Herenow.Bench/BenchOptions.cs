using System.Globalization;

namespace Herenow.Bench;

/// <summary>
/// Command line of the harness (bench/run.sh passes it). Two profiles: the full one for real figures and
/// <c>--quick</c> (short steps, small seed) for trying the harness out. Every size can be overridden.
/// </summary>
public sealed class BenchOptions
{
    public static readonly string[] AllFigures = ["memory", "checkins", "home", "global", "nearby", "fanout", "mix"];

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
    public int FollowsPerUser { get; private set; } = 3;
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
                case "--follows": o.FollowsPerUser = Int(); break;
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
        return o;
    }

    private void ApplyProfile()
    {
        // Full: enough users that one account can have 100k followers. Quick: minutes, not hours.
        Users = Quick ? 2_000 : 110_000;
        Celebrities = Quick ? [100, 1_000] : [1_000, 10_000, 100_000];
        SeedCheckins = Quick ? 2_000 : 20_000;
        SessionPool = Quick ? 200 : 2_000;
        StepDuration = TimeSpan.FromSeconds(Quick ? 2 : 10);
        FanoutPosts = Quick ? 3 : 7;
        MemoryGrains = Quick ? 2_000 : 100_000;
    }

    public string Profile => Quick ? "quick" : "full";
}
