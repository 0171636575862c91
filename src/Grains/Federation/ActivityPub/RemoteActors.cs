using System.Net;
using System.Text.Json;
using Herenow.Grains.Federation.Http;
using Herenow.Grains.Federation.Signatures;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Finds remote actors: by id (a signed GET of the actor document), by key id (for verifying a signature), and by
/// handle (WebFinger, then the actor). Fetched actors are cached in <c>ap_actors</c>; a key that fails to verify is
/// refetched once (the actor may have rotated it).
/// </summary>
public sealed class RemoteActors(FederationClient client, RemoteGraph graph, ActorKeys keys, ApUrls urls, FederationOptions options)
{
    private const string ActivityAccept = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

    /// <summary>The actor with this id: from the cache unless <paramref name="refresh"/>; null when it cannot be had.</summary>
    public async Task<RemoteActor?> GetAsync(string actorId, bool refresh = false, CancellationToken cancellationToken = default)
    {
        if (!refresh && await graph.ActorAsync(actorId) is { } cached)
        {
            return cached;
        }
        if (await FetchJsonAsync(actorId, ActivityAccept, cancellationToken) is not { } document)
        {
            return null;
        }
        var actor = Parse(document, actorId);
        if (actor is not null)
        {
            await graph.SaveActorAsync(actor);
        }
        return actor;
    }

    /// <summary>The actor owning <paramref name="keyId"/> (usually "actor#main-key"), fetched when unknown or when <paramref name="refresh"/>.</summary>
    public async Task<RemoteActor?> ByKeyIdAsync(string keyId, bool refresh = false, CancellationToken cancellationToken = default)
    {
        if (!refresh && await graph.ActorByKeyIdAsync(keyId) is { } cached)
        {
            return cached;
        }
        var documentUrl = keyId.Split('#')[0];
        var actor = await GetAsync(documentUrl, refresh: true, cancellationToken);
        if (actor is null && await FetchJsonAsync(documentUrl, ActivityAccept, cancellationToken) is { } key && key.Text("owner") is { } owner)
        {
            // Some servers serve the key as its own document that names its owner.
            actor = await GetAsync(owner, refresh: true, cancellationToken);
        }
        return actor is not null && actor.KeyId == keyId ? actor : null;
    }

    /// <summary>WebFinger for "user@domain", then the actor it links to; null when either step fails.</summary>
    public async Task<RemoteActor?> ByHandleAsync(string handle, CancellationToken cancellationToken = default)
    {
        var at = handle.IndexOf('@');
        if (at <= 0 || at == handle.Length - 1)
        {
            return null;
        }
        var domain = handle[(at + 1)..];
        foreach (var scheme in options.AllowPrivateNetworks ? new[] { "https", "http" } : ["https"])
        {
            if (!Uri.TryCreate($"{scheme}://{domain}/.well-known/webfinger?resource=acct:{Uri.EscapeDataString(handle)}", UriKind.Absolute, out var url))
            {
                return null;
            }
            JsonElement? document;
            try
            {
                document = await FetchJsonAsync(url.ToString(), "application/jrd+json, application/json", cancellationToken, throwOnTransport: true);
            }
            catch (HttpRequestException) when (scheme == "https" && options.AllowPrivateNetworks)
            {
                continue; // local peers speak plain http
            }
            var self = document?.Objects("links").FirstOrDefault(l => l.Text("rel") == "self" &&
                l.Text("type") is "application/activity+json" or "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"");
            return self?.Text("href") is { } actorId ? await GetAsync(actorId, refresh: true, cancellationToken) : null;
        }
        return null;
    }

    private async Task<JsonElement?> FetchJsonAsync(string url, string accept, CancellationToken cancellationToken, bool throwOnTransport = false)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }
        try
        {
            // Fetches are signed too (as the instance actor): servers in "authorized fetch" mode require it.
            var pair = await keys.GetOrCreateAsync(ApUrls.InstanceActorName);
            var response = await client.SendAsync(HttpMethod.Get, uri, null, null, accept,
                new SigningKey(urls.KeyId(ApUrls.InstanceActorName), pair.PrivatePem), cancellationToken);
            if (response.Status != HttpStatusCode.OK)
            {
                return null;
            }
            using var document = JsonDocument.Parse(response.Body, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or RemoteRequestRefusedException or TaskCanceledException
                                   || (e is HttpRequestException && !throwOnTransport))
        {
            return null;
        }
    }

    /// <summary>
    /// Reads an actor document defensively. It must say it is <paramref name="expectedId"/> (no actor may speak for
    /// another URL) and its key must be owned by it; the handle is preferredUsername at the id's host.
    /// </summary>
    public static RemoteActor? Parse(JsonElement document, string expectedId)
    {
        var id = document.Text("id");
        var inbox = document.IdOf("inbox");
        if (id is null || id != expectedId || inbox is null || !Uri.TryCreate(id, UriKind.Absolute, out var idUri))
        {
            return null;
        }
        var key = document.Objects("publicKey").FirstOrDefault(k => k.IdOf("owner") == id && k.Text("publicKeyPem") is not null);
        var host = idUri.IsDefaultPort ? idUri.Host : $"{idUri.Host}:{idUri.Port}";
        var username = document.Text("preferredUsername") ?? idUri.Segments.LastOrDefault()?.Trim('/') ?? "unknown";
        var sharedInbox = document.FirstObject("endpoints")?.IdOf("sharedInbox");
        return new RemoteActor(id, $"{username}@{host}", inbox, sharedInbox,
            key.ValueKind == JsonValueKind.Object ? key.Text("id") : null,
            key.ValueKind == JsonValueKind.Object ? key.Text("publicKeyPem") : null,
            document.Text("name") is { Length: > 0 } name ? name[..Math.Min(name.Length, 100)] : username,
            document.IdOf("url") ?? id);
    }
}
