using System.Diagnostics;
using System.Text;

namespace Herenow.Tests.Support;

/// <summary>The project's scripts and node programs, run from tests to their end with their output kept for the failure message.</summary>
public static class ScriptRunner
{
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
