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
            var (exit, output) = await ScriptRunner.RunAsync("bash", [Path.Combine(root, "scripts", "web.sh"), "build"], root, new Dictionary<string, string>(), TimeSpan.FromMinutes(5));
            if (exit != 0) throw new InvalidOperationException($"scripts/web.sh build exited with {exit}:\n{output}");
            built = true;
        }
        finally
        {
            Lock.Release();
        }
    }
}
