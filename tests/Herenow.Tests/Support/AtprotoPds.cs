using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Herenow.Tests.Support;

/// <summary>
/// A real AT Protocol PDS to relay check-ins to: the reference @atproto/pds 0.5.35 with an in-memory PLC directory
/// (@atproto/dev-env 0.6.7's TestNetworkNoAppView) on Node 22 — tests/peers/atproto/pds.mjs, installed into
/// .data/peers by scripts/peers.sh. It listens on 127.0.0.1 only; its public URL is http://localhost:PORT, handles end
/// in <c>.test</c>. <see cref="CreateAccountAsync"/> goes through the peer's control API (account + app password);
/// everything else is plain XRPC against <see cref="PdsUrl"/>, as against bsky.social. Disposing kills the Node
/// process tree.
/// </summary>
public sealed class AtprotoPds : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly ConcurrentQueue<string> output;
    private readonly HttpClient control;
    private readonly HttpClient http;


    private AtprotoPds(Process process, ConcurrentQueue<string> output, int plcPort, int pdsPort, int controlPort)
    {
        this.process = process;
        this.output = output;
        PlcPort = plcPort;
        PdsPort = pdsPort;
        ControlPort = controlPort;
        // 127.0.0.1 rather than the PDS's public "localhost": the servers listen on IPv4 loopback only.
        PdsUrl = new Uri($"http://127.0.0.1:{pdsPort.ToString(CultureInfo.InvariantCulture)}");
        control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(60) };
        http = new HttpClient { BaseAddress = PdsUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The PDS's XRPC base, http://127.0.0.1:PORT (its public URL is http://localhost:PORT).</summary>
    public Uri PdsUrl { get; }

    /// <summary>The URL the PDS knows itself by (its service endpoint in the DID documents): http://localhost:PORT.</summary>
    public Uri PublicUrl => new($"http://localhost:{PdsPort.ToString(CultureInfo.InvariantCulture)}");

    public int PdsPort { get; }
    public int PlcPort { get; }
    public int ControlPort { get; }

    /// <summary>What the peer printed so far, for failure messages.</summary>
    public string Output => string.Join('\n', output);

    public static async Task<AtprotoPds> StartAsync()
    {
        var root = PeerScripts.RepoRoot();
        await PeerScripts.EnsureInstalledAsync();
        for (var attempt = 1; ; attempt++)
        {
            var (plcPort, pdsPort, controlPort) = (SiloProcess.FreePort(), SiloProcess.FreePort(), SiloProcess.FreePort());
            var output = new ConcurrentQueue<string>();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = root,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // The script execs Node, so this process is the peer itself.
            foreach (var argument in new[]
                     {
                         Path.Combine(root, "scripts", "peers.sh"), "atproto",
                         "--plc-port", plcPort.ToString(CultureInfo.InvariantCulture),
                         "--pds-port", pdsPort.ToString(CultureInfo.InvariantCulture),
                         "--control-port", controlPort.ToString(CultureInfo.InvariantCulture),
                     })
            {
                start.ArgumentList.Add(argument);
            }
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                output.Enqueue(e.Data);
                if (e.Data.StartsWith("READY ", StringComparison.Ordinal)) ready.TrySetResult();
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            process.Exited += (_, _) => ready.TrySetResult();
            process.Start();
            PeerScripts.Track(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var pds = new AtprotoPds(process, output, plcPort, pdsPort, controlPort);
            try
            {
                await ready.Task.WaitAsync(StartTimeout);
            }
            catch (TimeoutException)
            {
            }
            if (!process.HasExited && output.Any(l => l.StartsWith("READY ", StringComparison.Ordinal)))
            {
                return pds;
            }
            if (process.HasExited) process.WaitForExit(); // drains the output
            var lostPort = process.HasExited && output.Any(l => l.Contains("EADDRINUSE", StringComparison.Ordinal));
            var text = pds.Output;
            await pds.DisposeAsync();
            if (!lostPort || attempt >= 3)
            {
                throw new InvalidOperationException(
                    $"AT Protocol PDS could not be started: no READY within {StartTimeout.TotalSeconds} s (ports plc {plcPort}, pds {pdsPort}, control {controlPort}). Its output:\n{text}");
            }
            // Another process took a port between the check and the bind: try others.
        }
    }



    // ------------------------------------------------------------------------------------------------ control API

    /// <summary>
    /// Creates an account on the PDS (<paramref name="handle"/> like "alice.test"; email HANDLE@herenow.test; a random
    /// password) and an app password for it, as a user would make one for Herenow in Bluesky's settings.
    /// </summary>
    public async Task<(string Did, string Handle, string AppPassword, string Password)> CreateAccountAsync(string handle)
    {
        using var response = await control.PostAsJsonAsync(new Uri("/_control/account", UriKind.Relative), new { handle });
        var result = await ReadAsync(response, $"/_control/account {handle}");
        return (Text(result, "did"), Text(result, "handle"), Text(result, "appPassword"), Text(result, "password"));
    }

    // ------------------------------------------------------------------------------------------------ XRPC reads

    /// <summary>com.atproto.repo.listRecords: <c>{records: [{uri, cid, value}], cursor?}</c> (newest first).</summary>
    public async Task<JsonElement> ListRecordsAsync(string did, string collection)
    {
        var path = $"/xrpc/com.atproto.repo.listRecords?repo={Uri.EscapeDataString(did)}&collection={Uri.EscapeDataString(collection)}&limit=100";
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return await ReadAsync(response, path);
    }

    /// <summary>com.atproto.repo.getRecord: <c>{uri, cid, value}</c>, or null when the PDS answers 400 RecordNotFound.</summary>
    public async Task<JsonElement?> GetRecordAsync(string did, string collection, string rkey)
    {
        var path = $"/xrpc/com.atproto.repo.getRecord?repo={Uri.EscapeDataString(did)}&collection={Uri.EscapeDataString(collection)}&rkey={Uri.EscapeDataString(rkey)}";
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.BadRequest && (await ErrorAsync(response)).Error == "RecordNotFound") return null;
        return await ReadAsync(response, path);
    }

    /// <summary>com.atproto.sync.getBlob: the blob's bytes, or null when the PDS does not serve it — 0.5.35 answers
    /// 400 <c>{"error":"InvalidRequest","message":"Blob not found"}</c> for a blob it does not have, one uploaded but not
    /// yet referenced by a record, and one whose last record was deleted.</summary>
    public async Task<byte[]?> GetBlobAsync(string did, string cid)
    {
        var path = $"/xrpc/com.atproto.sync.getBlob?did={Uri.EscapeDataString(did)}&cid={Uri.EscapeDataString(cid)}";
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode == HttpStatusCode.BadRequest && await ErrorAsync(response) is ("BlobNotFound", _) or ("RepoNotFound", _) or (_, "Blob not found")) return null;
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync(response, path); // throws with the body
        }
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>An XRPC error body's <c>error</c> and <c>message</c> (the content stays readable afterwards).</summary>
    private static async Task<(string? Error, string? Message)> ErrorAsync(HttpResponseMessage response)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync();
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = document.RootElement;
            return (root.TryGetProperty("error", out var error) ? error.GetString() : null,
                root.TryGetProperty("message", out var message) ? message.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"AT Protocol PDS answered {(int)response.StatusCode} to {what}: {text}\nIts output:\n{Output}");
        }
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static string Text(JsonElement result, string name) => result.GetProperty(name).GetString()!;

    public async ValueTask DisposeAsync()
    {
        control.Dispose();
        http.Dispose();
        await PeerScripts.StopAsync(process);
    }
}
