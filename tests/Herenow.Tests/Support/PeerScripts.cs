using System.Collections.Concurrent;
using System.Diagnostics;

namespace Herenow.Tests.Support;

/// <summary>
/// What the federation peers (<see cref="FedifyPeer"/>, <see cref="AtprotoPds"/>) share: the repository root and
/// <c>scripts/peers.sh install</c>, run once per test process (hundredths of a second when all is in place; the
/// first install takes minutes, the PDS's SQLite driver compiles from source). A failed install fails the test and says why.
/// </summary>
public static class PeerScripts
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(15);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool installed;
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    // A test run that ends without disposing a peer (a crash, a cancelled run) still takes its processes down.
    static PeerScripts() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Values)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } // already gone
        }
    };

    /// <summary>A started peer process, killed at the latest when the test process exits.</summary>
    public static void Track(Process process) => Running[process.Id] = process;

    /// <summary>Kills a peer process and its children and forgets it.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException) { } // already gone
        catch (TimeoutException) { } // the kernel will reap it
        Running.TryRemove(process.Id, out _);
        process.Dispose();
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"No repository (Orleans.sln) above {AppContext.BaseDirectory}.");
    }

    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (installed) return;
            var root = RepoRoot();
            var (exit, text) = await ScriptRunner.RunAsync("bash", [Path.Combine(root, "scripts", "peers.sh"), "install"], root,
                new Dictionary<string, string>(), InstallTimeout);
            if (exit != 0)
            {
                // -1: killed at the timeout (the output says so).
                throw new InvalidOperationException($"The federation peers could not be installed: scripts/peers.sh install exited with {exit} (limit {InstallTimeout.TotalMinutes} min).\n{text}");
            }
            installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }
}
