using System.Diagnostics;
using System.Text;

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
            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = root,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(root, "scripts", "peers.sh"));
            start.ArgumentList.Add("install");
            using var process = new Process { StartInfo = start };
            var text = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(InstallTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"The federation peers could not be installed: scripts/peers.sh install took over {InstallTimeout.TotalMinutes} min.\n{text}");
            }
            process.WaitForExit(); // drains the output
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"The federation peers could not be installed: scripts/peers.sh install exited with {process.ExitCode}.\n{text}");
            }
            installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }
}
