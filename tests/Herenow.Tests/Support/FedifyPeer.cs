using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Herenow.Tests.Support;

/// <summary>
/// A real ActivityPub server to federate with: Fedify 2.3.6 on Node 22 (tests/peers/fedify/peer.mjs, installed into
/// .data/peers by scripts/peers.sh), listening on http://127.0.0.1:PORT with signature verification on. Any
/// <c>/users/{identifier}</c> is a Person with its own keys. The test drives it through its JSON control API
/// (/_control/...): send a Follow, a Note with a Place, a Like...; read what reached its inboxes, as Fedify parsed it.
/// Disposing kills the Node process tree.
/// </summary>
public sealed class FedifyPeer : IAsyncDisposable
{
    public const string Rfc9421 = "rfc9421";
    public const string DraftCavage = "draft-cavage-http-signatures-12";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process process;
    private readonly ConcurrentQueue<string> output;
    private readonly HttpClient http;


    private FedifyPeer(Process process, ConcurrentQueue<string> output, int port, string firstKnock)
    {
        this.process = process;
        this.output = output;
        Port = port;
        FirstKnock = firstKnock;
        Origin = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        http = new HttpClient { BaseAddress = Origin, Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Port { get; }
    public string FirstKnock { get; }
    public Uri Origin { get; }

    /// <summary>What the peer printed so far (its own log lines and Fedify's warnings), for failure messages.</summary>
    public string Output => string.Join('\n', output);

    public Uri ActorUrl(string identifier) => new(Origin, $"/users/{Uri.EscapeDataString(identifier)}");

    public Uri InboxUrl(string identifier) => new(Origin, $"/users/{Uri.EscapeDataString(identifier)}/inbox");

    public Uri SharedInboxUrl => new(Origin, "/inbox");

    /// <param name="firstKnock">The signature scheme Fedify tries first on a server it does not know:
    /// <see cref="Rfc9421"/> or <see cref="DraftCavage"/>; on a 401 it retries with the other one.</param>
    public static async Task<FedifyPeer> StartAsync(string firstKnock = Rfc9421)
    {
        var root = PeerScripts.RepoRoot();
        await PeerScripts.EnsureInstalledAsync();
        for (var attempt = 1; ; attempt++)
        {
            var port = SiloProcess.FreePort();
            var output = new ConcurrentQueue<string>();
            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = root,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // The script execs Node, so this process is the peer itself.
            foreach (var argument in new[] { Path.Combine(root, "scripts", "peers.sh"), "fedify", "--port", port.ToString(CultureInfo.InvariantCulture), "--first-knock", firstKnock })
            {
                start.ArgumentList.Add(argument);
            }
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            process.Start();
            PeerScripts.Track(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var peer = new FedifyPeer(process, output, port, firstKnock);
            if (await peer.WaitUntilHealthyAsync())
            {
                return peer;
            }
            var lostPort = process.HasExited && output.Any(l => l.Contains("EADDRINUSE", StringComparison.Ordinal));
            var text = peer.Output;
            await peer.DisposeAsync();
            if (!lostPort || attempt >= 3)
            {
                throw new InvalidOperationException($"The Fedify peer did not become healthy on {peer.Origin} within {StartTimeout.TotalSeconds} s. Its output:\n{text}");
            }
            // Another process took the port between the check and the bind: try another.
        }
    }

    private async Task<bool> WaitUntilHealthyAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        using var probe = new HttpClient { BaseAddress = Origin, Timeout = TimeSpan.FromSeconds(2) };
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var response = await probe.GetAsync(new Uri("/_control/health", UriKind.Relative));
                if (response.IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException) { } // not listening yet
            catch (TaskCanceledException) { } // probe timed out
            await Task.Delay(100);
        }
        return false;
    }




    // ------------------------------------------------------------------------------------------------ control API

    /// <summary>Sends a Follow from the peer's <paramref name="actor"/> to <paramref name="target"/> (an actor URL,
    /// which the peer fetches first). Returns the Follow's id.</summary>
    public async Task<string> FollowAsync(string actor, Uri target) =>
        Id(await PostAsync("follow", new { actor, target = target.AbsoluteUri }), "id");

    /// <summary>Sends Undo(Follow <paramref name="followId"/>) to <paramref name="target"/>. Returns the Undo's id.</summary>
    public async Task<string> UnfollowAsync(string actor, Uri target, string followId) =>
        Id(await PostAsync("unfollow", new { actor, target = target.AbsoluteUri, followId }), "id");

    /// <summary>An attachment of a note the peer publishes: an Image (or a Document) with a URL.</summary>
    public sealed record Attachment(Uri Url, string? MediaType = null, string? Name = null, int? Width = null, int? Height = null, string Type = "Image");

    /// <summary>Publishes a public Note (with a Place when coordinates or a name are given) in a Create to the
    /// actor's followers, or to <paramref name="to"/> (actor URLs) when given.</summary>
    public async Task<(string NoteId, string ActivityId)> CreateNoteAsync(
        string actor, string content, double? lat = null, double? lon = null, string? placeName = null,
        IEnumerable<Uri>? to = null, IEnumerable<Attachment>? attachments = null)
    {
        var result = await PostAsync("create", new
        {
            actor,
            content,
            latitude = lat,
            longitude = lon,
            placeName,
            to = to?.Select(u => u.AbsoluteUri).ToArray(),
            attachments = attachments?.Select(a => new { type = a.Type, url = a.Url.AbsoluteUri, mediaType = a.MediaType, name = a.Name, width = a.Width, height = a.Height }).ToArray(),
        });
        return (Id(result, "noteId"), Id(result, "activityId"));
    }

    /// <summary>Sends Delete(Tombstone) for a note to the actor's followers (or to <paramref name="to"/>).</summary>
    public async Task<string> DeleteNoteAsync(string actor, string noteId, IEnumerable<Uri>? to = null) =>
        Id(await PostAsync("delete", new { actor, noteId, to = to?.Select(u => u.AbsoluteUri).ToArray() }), "id");

    /// <summary>Sends a Like of <paramref name="obj"/> to the actor <paramref name="to"/>. Returns the Like's id.</summary>
    public async Task<string> LikeAsync(string actor, Uri obj, Uri to) =>
        Id(await PostAsync("like", new { actor, @object = obj.AbsoluteUri, to = to.AbsoluteUri }), "id");

    /// <summary>Sends Undo(Like <paramref name="likeId"/>) to <paramref name="to"/>. Returns the Undo's id.</summary>
    public async Task<string> UnlikeAsync(string actor, Uri obj, Uri to, string likeId) =>
        Id(await PostAsync("unlike", new { actor, @object = obj.AbsoluteUri, to = to.AbsoluteUri, likeId }), "id");

    /// <summary>
    /// What reached the peer's inboxes (verified and parsed by Fedify), oldest first. Each entry:
    /// <c>{seq, receivedAt, type, id, actor, objectId, recipient ("alice" or "shared"), signature: {scheme
    /// ("rfc9421" | "draft-cavage" | "none"), headerNames, signatureInput, signature, contentDigest, digest, date},
    /// activity (Fedify's JSON-LD of what it parsed), raw (the POSTed JSON as sent), object? (Create/Update: {type, id, content, attributedTo, location: {type,
    /// id, name, latitude, longitude, accuracy, altitude, radius, units} | null, attachments: [{type, mediaType, url,
    /// name, width, height}]})}</c>.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> InboxAsync(string? type = null) =>
        await GetListAsync(type is null ? "/_control/inbox" : $"/_control/inbox?type={Uri.EscapeDataString(type)}");

    /// <summary>The last 500 requests Fedify served here (not the control API): {at, method, path, accept, userAgent,
    /// scheme, headerNames, signatureInput, signature, contentDigest, digest, date, status}.</summary>
    public async Task<IReadOnlyList<JsonElement>> RequestsAsync() => await GetListAsync("/_control/requests");

    /// <summary>Polls the inbox log until an entry matches; null when none did within <paramref name="timeout"/>.</summary>
    public async Task<JsonElement?> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var entry in await InboxAsync())
            {
                if (match(entry)) return entry;
            }
            if (DateTime.UtcNow >= deadline || process.HasExited) return null;
            await Task.Delay(100);
        }
    }

    /// <summary>The actor URLs that follow the peer's <paramref name="actor"/> (recorded from accepted Follows).</summary>
    public async Task<IReadOnlyList<string>> FollowersAsync(string actor) =>
        (await GetListAsync($"/_control/followers?actor={Uri.EscapeDataString(actor)}")).Select(e => e.GetString()!).ToList();

    private async Task<IReadOnlyList<JsonElement>> GetListAsync(string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var root = await ReadAsync(response, path);
        return root.EnumerateArray().ToList();
    }

    private async Task<JsonElement> PostAsync(string command, object body)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/_control/{command}", UriKind.Relative), body);
        return await ReadAsync(response, command);
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Fedify peer {Origin} answered {(int)response.StatusCode} to {what}: {text}\nIts output:\n{Output}");
        }
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static string Id(JsonElement result, string name) => result.GetProperty(name).GetString()!;

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await PeerScripts.StopAsync(process);
    }
}
