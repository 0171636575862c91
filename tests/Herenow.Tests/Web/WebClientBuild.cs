using System.Diagnostics;
using System.Text;
using Herenow.Tests.Support;

namespace Herenow.Tests.Web;

/// <summary>
/// <c>scripts/web.sh build</c> once per test process (npm ci only when the lock file changed; the bundle takes a second),
/// so that the API under test serves the current web client and web/node_modules holds playwright-core. scripts/test.sh
/// builds it before the suite and says so with HERENOW_WEB_BUILT=1.
/// </summary>
public static class WebClientBuild
{
    private static readonly SemaphoreSlim Lock = new(1, 1);
    private static bool built;

    public static async Task EnsureBuiltAsync()
    {
        await Lock.WaitAsync();
        try
        {
            if (built || Environment.GetEnvironmentVariable("HERENOW_WEB_BUILT") == "1") return;
            var root = PeerScripts.RepoRoot();
            var (exit, output) = await RunAsync("bash", [Path.Combine(root, "scripts", "web.sh"), "build"], root, new Dictionary<string, string>(), TimeSpan.FromMinutes(5));
            if (exit != 0) throw new InvalidOperationException($"scripts/web.sh build exited with {exit}:\n{output}");
            built = true;
        }
        finally
        {
            Lock.Release();
        }
    }

    /// <summary>Runs a process to its end (killed after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, string workingDirectory,
        IDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = new Process { StartInfo = start };
        var text = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (text) text.AppendLine($"(killed after {timeout.TotalSeconds} s)");
            return (-1, text.ToString());
        }
        process.WaitForExit(); // drains the output
        lock (text) return (process.ExitCode, text.ToString());
    }
}
