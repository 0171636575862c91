using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Herenow.Api;
using Herenow.Grains;
using Herenow.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Herenow.Tests.Support;

/// <summary>
/// A real silo process (<c>dotnet Herenow.Silo.dll</c>, the program scripts/run.sh starts), so a test can crash it,
/// freeze it (SIGSTOP) and thaw it (SIGCONT) like an operating system would, which an in-process silo cannot.
/// Its output is kept in memory for the test's diagnostics. Disposing kills it (by its pid) if it is still running;
/// so does the end of the test process.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly ConcurrentQueue<string> output = new();

    static SiloProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Values)
        {
            try { process.Kill(); } catch (InvalidOperationException) { } // already gone
        }
    };

    private SiloProcess(string name, Process process, int siloPort, int gatewayPort)
    {
        Name = name;
        Process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public string Name { get; }
    public Process Process { get; }
    public int Pid => Process.Id;
    public int SiloPort { get; }
    public int GatewayPort { get; }
    public bool HasExited => Process.HasExited;

    /// <summary>
    /// The silo program of this build: the test project references the silo project, so building the tests builds it
    /// in the same configuration, into its own output directory (tests/Herenow.Tests/bin/C/TFM/ →
    /// src/Silo/bin/C/TFM/). The copy next to the tests cannot run on its own: it lacks the silo's package assemblies.
    /// </summary>
    public static string SiloDll
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            var (tfm, configuration) = (output.Name, output.Parent?.Name);
            var root = output;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Orleans.sln")))
            {
                root = root.Parent;
            }
            var dll = root is null || configuration is null
                ? null
                : Path.Combine(root.FullName, "src", "Silo", "bin", configuration, tfm, "Herenow.Silo.dll");
            return dll is not null && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"))
                ? dll
                : throw new InvalidOperationException(
                    $"The silo program was not found next to the repository of {AppContext.BaseDirectory} (looked for {dll}): build the solution first.");
        }
    }

    /// <param name="settings">Configuration keys ("Herenow:ClusterId", "HERENOW_POSTGRES", ...), passed as environment variables.</param>
    public static SiloProcess Start(string name, IReadOnlyDictionary<string, string?> settings)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Silo processes are signalled with Linux signal numbers.");
        }
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var dll = SiloDll;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        start.Environment["Herenow__Silo__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Herenow__Silo__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // A silo that finds itself declared dead ends with Environment.FailFast: no crash dump for that.
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(name, process, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.Start();
        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A free loopback port below the kernel's ephemeral range (32768 and up), where outgoing connections take their
    /// local ports: a port found free there may be taken a moment later, before the silo binds it.
    /// </summary>
    internal static int FreePort()
    {
        for (var i = 0; i < 500; i++)
        {
            var port = Random.Shared.Next(20000, 32000);
            lock (HandedOut)
            {
                if (!HandedOut.Add(port)) continue;
            }
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        return RealCluster.FreePort();
    }

    /// <summary>It exited at start because another process took its port first.</summary>
    public bool LostItsPort => HasExited && Output.Any(l => l.Contains("AddressInUseException", StringComparison.Ordinal));

    /// <summary>Waits for an exited process's output to be read to the end.</summary>
    public void DrainOutput()
    {
        if (HasExited)
        {
            Process.WaitForExit();
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        while (output.Count > 2000 && output.TryDequeue(out _)) { }
    }

    /// <summary>What the silo wrote to stdout and stderr (the newest 2,000 lines).</summary>
    public IReadOnlyList<string> Output => output.ToArray();

    public void Signal(int signal)
    {
        if (Kill(Pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>True when the process exited within <paramref name="within"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return Process.HasExited;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            // SIGKILL ends a stopped process too.
            _ = Kill(Pid, SigKill); // it may have exited meanwhile
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        Running.TryRemove(Pid, out _);
        Process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>
/// Silo processes on a fresh database, plus an Orleans client in the test process that finds their gateways in the
/// membership table (as the API does).
/// </summary>
public sealed class SiloProcessCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> silos = [];
    private IHost? clientHost;

    private SiloProcessCluster(TestDatabase database, string clusterId)
    {
        Database = database;
        ClusterId = clusterId;
    }

    public TestDatabase Database { get; }
    public string ClusterId { get; }
    public IReadOnlyList<SiloProcess> Silos => silos;
    public IClusterClient Client => clientHost!.Services.GetRequiredService<IClusterClient>();

    public static async Task<SiloProcessCluster> StartAsync(int silos, TimeSpan within, IDictionary<string, string?>? siloSettings = null)
    {
        var cluster = new SiloProcessCluster(await TestDatabase.CreateAsync(), "proc-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["HERENOW_POSTGRES"] = cluster.Database.ConnectionString,
                ["Herenow:ClusterId"] = cluster.ClusterId,
                ["Herenow:ServiceId"] = cluster.ClusterId,
            };
            foreach (var (key, value) in siloSettings ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }
            for (var i = 0; i < silos; i++)
            {
                cluster.silos.Add(SiloProcess.Start($"silo{i + 1}", settings));
            }
            var deadline = DateTime.UtcNow + within;
            var restarts = 0;
            while (await cluster.CountAsync(3) < silos)
            {
                if (cluster.silos.FirstOrDefault(s => s.HasExited) is { } exited)
                {
                    exited.DrainOutput();
                    if (!exited.LostItsPort || ++restarts > 3)
                    {
                        throw new InvalidOperationException($"{exited.Name} exited during start-up:\n{string.Join('\n', exited.Output.TakeLast(40))}");
                    }
                    // Another process took its port between the check and the bind: start it again on others.
                    cluster.silos[cluster.silos.IndexOf(exited)] = SiloProcess.Start(exited.Name, settings);
                    await exited.DisposeAsync();
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{silos} silos were not Active within {within.TotalSeconds} s.");
                }
                await Task.Delay(250);
            }
            await cluster.StartClientAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Silos of this cluster with <paramref name="status"/> in the membership table (3 = Active, 6 = Dead).</summary>
    public Task<int> CountAsync(int status) =>
        Database.ScalarAsync<int>($"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{ClusterId}' AND status = {status}");

    /// <summary>The membership status of <paramref name="silo"/> (0 when it has no row yet).</summary>
    public Task<int> StatusAsync(SiloProcess silo) =>
        Database.ScalarAsync<int>($"SELECT coalesce(max(status), 0) FROM orleans_membership WHERE deployment_id = '{ClusterId}' AND port = {silo.SiloPort}");

    public SiloProcess? Owning(SiloAddress? address) => address is null ? null : silos.SingleOrDefault(s => s.SiloPort == address.Endpoint.Port);

    private async Task StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var identity = new ClusterIdentity(ClusterId, ClusterId);
        builder.UseOrleansClient(client =>
        {
            // As the API: a call that reaches a frozen silo fails after 10 s, and carries its deadline.
            client.UseHerenowCluster(Database.ConnectionString, identity);
            // Drop a gateway soon after the table says it is dead (Orleans: every minute).
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        });
        clientHost = builder.Build();
        await clientHost.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (clientHost is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await clientHost.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
            clientHost.Dispose();
        }
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }
        await Database.DisposeAsync();
    }
}
