using System.Collections.Concurrent;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Federation.ActivityPub;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Pages;

/// <summary>Sizes and staleness of the silo's page caches. Bound from the "Herenow:Pages" section.</summary>
public sealed class PageCacheOptions
{
    public const string Section = "Herenow:Pages";

    /// <summary>Check-in records kept per silo; past this the cache starts over (they reload with one query per page).</summary>
    public int MaxCheckins { get; set; } = 100_000;

    /// <summary>
    /// How long an account card (names, counts) is reused without asking its grain again. Profile changes and
    /// deletions are pushed to every silo at once; only counts may lag by this much (availability over freshness).
    /// </summary>
    public TimeSpan AccountFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a viewer's relationship to an author is reused; follows, unfollows and blocks are pushed at once.</summary>
    public TimeSpan RelationshipFor { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// What pages are built from, in this silo's memory: check-in records (immutable; loaded with one
/// <c>id = ANY(...)</c> query per page on a miss), account cards and relationships (from their user grains). Deletes,
/// likes, releases, profile edits, follows and blocks are pushed to every silo (<see cref="SiloCaches"/>) before the
/// write that caused them answers, so the next read anywhere sees them.
/// </summary>
public sealed class PageCaches(CheckinStore store, IGrainFactory grains, RemoteGraph remote, TimeProvider clock, IOptions<PageCacheOptions> options)
{
    private readonly ConcurrentDictionary<string, CheckinRecord> checkins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Author? Author, DateTimeOffset Until)> authors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Author, string Viewer), (Relationship Relationship, DateTimeOffset Until)> relationships = new();

    /// <summary>(author, viewer) pairs kept; past this the cache starts over (entries expire, but are not swept).</summary>
    private const int MaxRelationships = 100_000;

    /// <summary>An author as pages show them: a local account's card, or a fediverse account (with its url).</summary>
    public sealed record Author(AccountCard Card, string? Url);

    public async Task<Dictionary<string, CheckinRecord>> CheckinsAsync(IReadOnlyCollection<string> ids)
    {
        var found = new Dictionary<string, CheckinRecord>(ids.Count, StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var id in ids)
        {
            if (checkins.TryGetValue(id, out var record)) found[id] = record;
            else (missing ??= []).Add(id);
        }
        if (missing is not null)
        {
            if (checkins.Count + missing.Count > options.Value.MaxCheckins)
            {
                checkins.Clear(); // bounded memory, simply: a hot page reloads in one query
            }
            foreach (var record in await store.GetManyAsync(missing))
            {
                checkins[record.Id] = record;
                found[record.Id] = record;
            }
        }
        return found;
    }

    public async Task<Dictionary<string, Author>> AuthorsAsync(IEnumerable<string> names)
    {
        var now = clock.GetUtcNow();
        var found = new Dictionary<string, Author>(StringComparer.Ordinal);
        var loads = new List<Task<(string, Author?)>>();
        foreach (var name in names.Distinct())
        {
            if (authors.TryGetValue(name, out var cached) && cached.Until > now)
            {
                if (cached.Author is not null) found[name] = cached.Author;
            }
            else
            {
                loads.Add(LoadAuthorAsync(name));
            }
        }
        foreach (var (name, author) in await Task.WhenAll(loads))
        {
            authors[name] = (author, now + options.Value.AccountFor);
            if (author is not null) found[name] = author;
        }
        return found;
    }

    private async Task<(string, Author?)> LoadAuthorAsync(string name)
    {
        if (name.Contains('@'))
        {
            var actor = await remote.ActorByHandleAsync(name);
            return (name, actor is null ? null
                : new Author(new AccountCard(actor.Id, actor.Handle, actor.DisplayName ?? actor.Handle, "", default, 0, 0, 0, 0, 0), actor.Url ?? actor.Id));
        }
        var card = await grains.GetGrain<IUserGrain>(name).GetCard();
        return (name, card is null ? null : new Author(card, null));
    }

    /// <summary>How <paramref name="viewer"/> relates to each author (anonymous: a stranger), from cache or their grains.</summary>
    public async Task<Dictionary<string, Relationship>> RelationshipsAsync(IEnumerable<string> names, string? viewer, IReadOnlyDictionary<string, Author> known)
    {
        var now = clock.GetUtcNow();
        var result = new Dictionary<string, Relationship>(StringComparer.Ordinal);
        var loads = new List<Task<(string, Relationship)>>();
        foreach (var name in names.Distinct())
        {
            var exists = known.ContainsKey(name);
            if (viewer is null || name.Contains('@'))
            {
                // Strangers, and fediverse authors (who cannot block anyone here; followers-only needs a follow we track
                // in the home feed, not here).
                result[name] = new Relationship(exists, ViewerFollows: false, BlocksViewer: false, IsSelf: false);
            }
            else if (name == viewer)
            {
                result[name] = new Relationship(exists, false, false, IsSelf: true);
            }
            else if (relationships.TryGetValue((name, viewer), out var cached) && cached.Until > now)
            {
                result[name] = cached.Relationship with { Exists = exists };
            }
            else
            {
                loads.Add(LoadRelationshipAsync(name, viewer));
            }
        }
        if (loads.Count > 0 && relationships.Count + loads.Count > MaxRelationships)
        {
            relationships.Clear();
        }
        foreach (var (name, relationship) in await Task.WhenAll(loads))
        {
            relationships[(name, viewer!)] = (relationship, now + options.Value.RelationshipFor);
            result[name] = relationship with { Exists = known.ContainsKey(name) };
        }
        return result;
    }

    private async Task<(string, Relationship)> LoadRelationshipAsync(string author, string viewer) =>
        (author, await grains.GetGrain<IUserGrain>(author).GetRelationship(viewer));

    /// <summary>Applies one pushed change (<see cref="SiloCaches"/>).</summary>
    public void Invalidate(CacheInvalidation change)
    {
        if (change.CheckinId is { } id)
        {
            checkins.TryRemove(id, out _);
        }
        if (change.Account is { } account)
        {
            authors.TryRemove(account, out _);
            foreach (var key in relationships.Keys)
            {
                if (key.Author == account || key.Viewer == account)
                {
                    relationships.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>Events every silo receives anyway: a delete or a change of a check-in drops its cached record.</summary>
    public void Observe(IReadOnlyList<CheckinEvent> batch)
    {
        foreach (var checkin in batch)
        {
            checkins.TryRemove(checkin.CheckinId, out _);
        }
    }
}

/// <summary>A change that cached pages must not outlive: a check-in's record, or an account's card and relationships.</summary>
[GenerateSerializer, Immutable, Alias("herenow.cache-invalidation")]
public sealed record CacheInvalidation(
    [property: Id(0)] string? CheckinId = null,
    [property: Id(1)] string? Account = null);
