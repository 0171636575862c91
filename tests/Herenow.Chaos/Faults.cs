using System.Diagnostics;
using System.Globalization;

namespace Herenow.Chaos;

/// <summary>The faults, done the way an operator's worst day does them: SIGKILL, and PostgreSQL's immediate stop.</summary>
public sealed class Faults(ChaosOptions options)
{
    /// <summary>kill -9 of silo N by the pid file scripts/run.sh wrote: no graceful leave, no flushes.</summary>
    public int KillSilo(int silo)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(options.RunDir, $"silo-{silo}.pid")).Trim(), CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill(); // SIGKILL on Linux
        return pid;
    }

    /// <summary>pg_ctl stop -m immediate: the server quits without a checkpoint; recovery replays the WAL.</summary>
    public Task StopDatabaseAsync() => Postgres($"pg_stop '{options.PgData}' immediate");

    public Task StartDatabaseAsync() => Postgres($"pg_start '{options.PgData}' {options.PgPort} '{options.PgLog}'");

    private static async Task Postgres(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", $". scripts/lib/postgres.sh && pg_find_bin && {command}"])
        {
            RedirectStandardError = true,
        })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed ({process.ExitCode}): {error}");
        }
    }
}
