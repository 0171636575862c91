using System.Globalization;

namespace Herenow.Chaos;

/// <summary>The run's shape: where the service is, how hard to load it, and when each fault strikes.</summary>
public sealed record ChaosOptions
{
    public Uri Api { get; init; } = new("http://127.0.0.1:5080");
    /// <summary>scripts/run.sh's pid directory: silo-N.pid files.</summary>
    public string RunDir { get; init; } = ".data/run";
    /// <summary>The PostgreSQL data directory and port, for stopping and starting it.</summary>
    public string PgData { get; init; } = ".data/pgdata";
    public int PgPort { get; init; } = 55432;
    public string PgLog { get; init; } = ".data/logs/postgres.log";
    public int Users { get; init; } = 24;
    public int FollowsPerUser { get; init; } = 6;
    public double Rate { get; init; } = 15;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan KillAt { get; init; } = TimeSpan.FromSeconds(10);
    public int KillSilo { get; init; } = 2;
    public TimeSpan PgStopAt { get; init; } = TimeSpan.FromSeconds(35);
    public TimeSpan PgDownFor { get; init; } = TimeSpan.FromSeconds(6);
    /// <summary>The stated bound: every acknowledged check-in is in every follower's feed this long after the load.</summary>
    public TimeSpan ConvergeWithin { get; init; } = TimeSpan.FromSeconds(90);
    /// <summary>With the database down, an answer slower than this counts as a hang.</summary>
    public TimeSpan FastFailWithin { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>The database is back: requests succeed again within this.</summary>
    public TimeSpan RecoverWithin { get; init; } = TimeSpan.FromSeconds(20);
    public string? Report { get; init; }

    public static ChaosOptions Parse(string[] args)
    {
        var o = new ChaosOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i++] switch
            {
                "--api" => o with { Api = new Uri(value) },
                "--run-dir" => o with { RunDir = value },
                "--pg-data" => o with { PgData = value },
                "--pg-port" => o with { PgPort = int.Parse(value, CultureInfo.InvariantCulture) },
                "--pg-log" => o with { PgLog = value },
                "--users" => o with { Users = int.Parse(value, CultureInfo.InvariantCulture) },
                "--rate" => o with { Rate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seconds" => o with { Duration = Seconds(value) },
                "--kill-at" => o with { KillAt = Seconds(value) },
                "--kill-silo" => o with { KillSilo = int.Parse(value, CultureInfo.InvariantCulture) },
                "--pg-stop-at" => o with { PgStopAt = Seconds(value) },
                "--pg-down-for" => o with { PgDownFor = Seconds(value) },
                "--converge-within" => o with { ConvergeWithin = Seconds(value) },
                "--report" => o with { Report = value },
                var unknown => throw new ArgumentException($"unknown option {unknown}"),
            };
        }
        return o;
    }

    private static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
}
