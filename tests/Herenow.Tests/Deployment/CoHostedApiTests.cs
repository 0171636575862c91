using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Checkins;
using Herenow.Tests.Support;

namespace Herenow.Tests.Deployment;

/// <summary>
/// Co-hosted mode (ADR 0028) end to end: the API program started as scripts/run.sh --cohost starts it (the built
/// Herenow.Api.dll, <c>--cohost</c>, real Kestrel on a free port) against a throwaway database, with no other silo.
/// It must be the cluster's silo itself, serve the feed pages from it, and take a plain silo process in beside it.
/// </summary>
public sealed class CoHostedApiTests
{
    [Fact]
    public async Task Cohosted_api_is_a_silo_serves_feed_pages_and_a_plain_silo_joins_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clusterId = "cohost-" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["HERENOW_POSTGRES"] = database.ConnectionString,
            ["Herenow:ClusterId"] = clusterId,
            ["Herenow:ServiceId"] = clusterId,
        };
        foreach (var (key, value) in ApiHost.GenerousRateLimits) settings[key] = value;
        var (httpPort, siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort(), SiloProcess.FreePort());
        await using var api = CoHostedProcess.Start(settings, httpPort, siloPort, gatewayPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(15) };

        var ready = await ReadyAsync(http, api, silos: 1, TimeSpan.FromSeconds(120));
        Assert.Equal("ok", ready.GetProperty("cluster").GetString());
        var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("live", (await live.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        // The only silo of the cluster is the API's own process, at the silo port it was given.
        Assert.Equal(1, await database.ScalarAsync<int>(
            $"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{clusterId}' AND status = 3 AND port = {siloPort}"));
        Assert.Equal(1, await database.ScalarAsync<int>($"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{clusterId}' AND status = 3"));

        // Pages built in that silo, reached without a gateway: home (feed grain), global (pages grain), place, history.
        var wen = await http.SignUpAsync("wen");
        var xia = await http.SignUpAsync("xia");
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/wen/follow", xia)).StatusCode);
        var place = await http.CreatePlaceAsync(wen, "Night Market");
        var kept = await http.CheckInAsync(wen, place, "public", "dumplings");
        await http.CheckInAsync(wen, place, "private");
        await WaitFor(http, "/api/v1/feeds/home?limit=20", xia, feed => feed.Ids().SequenceEqual([kept]));
        await WaitFor(http, "/api/v1/feeds/global?limit=20", null, feed => feed.Ids().SequenceEqual([kept]));
        Assert.Equal(new[] { kept }, (await http.CheckinsAsync("/api/v1/accounts/wen/checkins", null)).Ids());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.CallAsync(HttpMethod.Get, "/api/v1/feeds/home?limit=20", null)).StatusCode);

        // Multi-silo still works: a plain silo process joins the co-hosted one, and the API keeps serving.
        await using var plain = SiloProcess.Start("plain", settings);
        await ReadyAsync(http, api, silos: 2, TimeSpan.FromSeconds(120), plain);
        var fresh = await http.CheckInAsync(wen, place, "public");
        await WaitFor(http, "/api/v1/feeds/home?limit=20", xia, feed => feed.Ids().SequenceEqual([fresh, kept]));
        await WaitFor(http, "/api/v1/feeds/global?limit=20", null, feed => feed.Ids().SequenceEqual([fresh, kept]));
    }

    /// <summary>/health/ready has no contract record (an anonymous object): read raw.</summary>
    private static async Task<JsonElement> ReadyAsync(HttpClient http, CoHostedProcess api, int silos, TimeSpan within, SiloProcess? other = null)
    {
        var ready = await Eventually.Value(async Task<(HttpStatusCode? Status, JsonElement? Body)> () =>
        {
            Assert.False(api.HasExited, $"the co-hosted process exited:\n{api.Tail}");
            Assert.False(other?.HasExited ?? false, $"the plain silo exited:\n{string.Join('\n', other?.Output.TakeLast(40) ?? [])}");
            try
            {
                var response = await http.GetAsync("/health/ready");
                return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
            }
            catch (HttpRequestException)
            {
                return (null, null); // not listening yet
            }
        }, r => r.Status == HttpStatusCode.OK && r.Body?.GetProperty("active_silos").GetInt32() == silos, $"ready with {silos} silo(s)",
            within, TimeSpan.FromMilliseconds(250), () => api.Tail);
        return ready.Body!.Value;
    }

    private static Task<List<CheckinResponse>> WaitFor(HttpClient http, string path, string? token, Func<List<CheckinResponse>, bool> done) =>
        Eventually.Value(() => http.CheckinsAsync(path, token), done, $"{path} as expected", TimeSpan.FromSeconds(10), show: feed => feed.Ids());

    /// <summary>The built API program with <c>--cohost</c>, as scripts/run.sh --cohost runs it; killed by its pid on dispose.</summary>
    private sealed class CoHostedProcess : IAsyncDisposable
    {
        private readonly Process process;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> output = new();

        private CoHostedProcess(Process process) => this.process = process;

        public bool HasExited => process.HasExited;
        public string Tail => string.Join('\n', output.TakeLast(60));

        public static CoHostedProcess Start(IReadOnlyDictionary<string, string?> settings, int httpPort, int siloPort, int gatewayPort)
        {
            // Next to the silo's build output: src/Api/bin/<configuration>/<tfm>/ (the test project builds it too).
            var silo = SiloProcess.SiloDll;
            var dll = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(silo)!, "..", "..", "..", "..", "Api", "bin",
                new DirectoryInfo(Path.GetDirectoryName(silo)!).Parent!.Name, new DirectoryInfo(Path.GetDirectoryName(silo)!).Name, "Herenow.Api.dll"));
            Assert.True(File.Exists(dll), $"{dll} is not built");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add("--cohost");
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{httpPort}");
            foreach (var (key, value) in settings)
            {
                start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
            start.Environment["Herenow__Silo__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
            start.Environment["Herenow__Silo__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
            var process = new Process { StartInfo = start };
            var host = new CoHostedProcess(process);
            process.OutputDataReceived += (_, e) => host.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return host;
        }

        private void Keep(string? line)
        {
            if (line is null) return;
            output.Enqueue(line);
            while (output.Count > 500 && output.TryDequeue(out _)) { }
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(); // this process only, by its pid
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await process.WaitForExitAsync(timeout.Token); } catch (OperationCanceledException) { }
            }
            process.Dispose();
        }
    }
}
