using System.Diagnostics;

namespace Herenow.Tests.Deployment;

/// <summary>scripts/container-entrypoint.sh: secret files named after settings become environment variables.</summary>
public sealed class ContainerEntrypointTests : IDisposable
{
    private readonly string secrets = Directory.CreateTempSubdirectory("herenow-secrets-").FullName;

    public void Dispose() => Directory.Delete(secrets, recursive: true);

    [Fact]
    public async Task ExportsSecretFilesNamedAfterSettings()
    {
        await File.WriteAllTextAsync(Path.Combine(secrets, "HERENOW_POSTGRES"), "Host=postgres;Password=p\n");
        await File.WriteAllTextAsync(Path.Combine(secrets, "Herenow__Secrets__Key"), "a2V5\n");
        await File.WriteAllTextAsync(Path.Combine(secrets, "postgres_password"), "not ours");
        var (exit, output, _) = await RunAsync("printf '%s|%s|%s' \"$HERENOW_POSTGRES\" \"$Herenow__Secrets__Key\" \"${postgres_password:-unset}\"");
        Assert.Equal(0, exit);
        // The trailing newline an editor leaves is dropped; files not named after a setting are left alone.
        Assert.Equal("Host=postgres;Password=p|a2V5|unset", output);
    }

    [Fact]
    public async Task AFileWinsOverTheEnvironmentAndOtherVariablesPassThrough()
    {
        await File.WriteAllTextAsync(Path.Combine(secrets, "Herenow__Secrets__Key"), "from-file");
        var (_, output, _) = await RunAsync("printf '%s|%s' \"$Herenow__Secrets__Key\" \"$Herenow__Silo__SiloPort\"",
            ("Herenow__Secrets__Key", "from-env"), ("Herenow__Silo__SiloPort", "11112"));
        Assert.Equal("from-file|11112", output);
    }

    [Fact]
    public async Task TheCommandsExitStatusIsTheContainers()
    {
        var (exit, _, _) = await RunAsync("exit 7");
        Assert.Equal(7, exit);
    }

    [Fact]
    public async Task AFileNameThatIsNoVariableNameStopsTheStart()
    {
        await File.WriteAllTextAsync(Path.Combine(secrets, "Herenow__Secrets__Key.bak"), "x");
        var (exit, _, error) = await RunAsync("echo started");
        Assert.Equal(2, exit);
        Assert.Contains("Herenow__Secrets__Key.bak", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string command, params (string Name, string Value)[] environment)
    {
        // sh, not bash: the images' entrypoint is POSIX sh.
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { RepoFiles.PathOf("scripts/container-entrypoint.sh"), "sh", "-c", command })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["HERENOW_SECRETS_DIR"] = secrets;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return (process.ExitCode, await output, await error);
    }
}
