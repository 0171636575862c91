using System.Collections.Concurrent;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Cluster;
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
    /// How long an account card (names, counts) is fresh. Profile changes and deletions are pushed to every silo at
    /// once; counts may lag: an older card is still served (stale-while-revalidate) while one background call
    /// refreshes it, so a page never waits for a card it has seen before (availability over freshness).
    /// </summary>
    public TimeSpan AccountFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a viewer's relationship to an author is fresh (then refreshed in the background, as cards);
    /// follows, unfollows and blocks are pushed at once, so this only bounds how long a lost push could matter.</summary>
    public TimeSpan RelationshipFor { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// What pages are built from, in this silo's memory: check-in records (immutable; loaded with one
/// <c>id = ANY(...)</c> query per page on a miss), account cards and relationships (from their user grains). Deletes,
/// likes, releases, profile edits, follows and blocks are pushed to every silo (<see cref="SiloCaches"/>) before the
/// write that caused them answers, so the next read anywhere sees them. Cards and relationships past their freshness
/// are served once more and refreshed behind the read; a push that lands while a refresh is under way marks that
/// refresh's answer stale (<see cref="generation"/>), so an old answer never outlives a push.
/// </summary>
public sealed class PageCaches(CheckinStore store, IGrainFactory grains, RemoteGraph remote, TimeProvider clock, IOptions<PageCacheOptions> options)
{
    private readonly ConcurrentDictionary<string, CheckinRecord> checkins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Author? Author, DateTimeOffset Until)> authors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Author, string Viewer), (Relationship Relationship, DateTimeOffset Until)> relationships = new();

    /// <summary>Keys with a background refresh under way: one call per key, however many pages want it.</summary>
    private readonly ConcurrentDictionary<object, byte> refreshing = new();

    /// <summary>Counts pushed account changes; a load that started before one stores its answer as already expired.</summary>
    private long generation;

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
        var seen = Volatile.Read(ref generation);
        foreach (var name in names.Distinct())
        {
            if (authors.TryGetValue(name, out var cached))
            {
                if (cached.Author is not null) found[name] = cached.Author;
                if (cached.Until <= now) Refresh(name, () => StoreAuthorAsync(name));
            }
            else
            {
                loads.Add(LoadAuthorAsync(name));
            }
        }
        foreach (var (name, author) in await Task.WhenAll(loads))
        {
            authors[name] = (author, Until(seen, now, options.Value.AccountFor));
            if (author is not null) found[name] = author;
        }
        return found;
    }

    private async Task StoreAuthorAsync(string name)
    {
        var seen = Volatile.Read(ref generation);
        var (_, author) = await LoadAuthorAsync(name);
        authors[name] = (author, Until(seen, clock.GetUtcNow(), options.Value.AccountFor));
    }

    /// <summary>Fresh for <paramref name="fresh"/>, unless a push arrived since the load began: then stale at once.</summary>
    private DateTimeOffset Until(long seen, DateTimeOffset now, TimeSpan fresh) =>
        Volatile.Read(ref generation) == seen ? now + fresh : DateTimeOffset.MinValue;

    /// <summary>Starts one background refresh of <paramref name="key"/> unless one runs; errors keep the old entry.</summary>
    private void Refresh(object key, Func<Task> load)
    {
        if (!refreshing.TryAdd(key, 0))
        {
            return;
        }
        // Outside the reading grain's turn and its request's deadline: the page that noticed does not wait for it.
        CallDeadline.Without(() => Task.Run(async () =>
        {
            try
            {
                await load();
            }
            catch (Exception)
            {
                // The stale entry stays; the next read past its freshness tries again.
            }
            finally
            {
                refreshing.TryRemove(key, out _);
            }
        }));
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
        var seen = Volatile.Read(ref generation);
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
            else if (relationships.TryGetValue((name, viewer), out var cached))
            {
                result[name] = cached.Relationship with { Exists = exists };
                if (cached.Until <= now) Refresh((name, viewer), () => StoreRelationshipAsync(name, viewer));
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
            relationships[(name, viewer!)] = (relationship, Until(seen, now, options.Value.RelationshipFor));
            result[name] = relationship with { Exists = known.ContainsKey(name) };
        }
        return result;
    }

    private async Task StoreRelationshipAsync(string author, string viewer)
    {
        var seen = Volatile.Read(ref generation);
        var (_, relationship) = await LoadRelationshipAsync(author, viewer);
        relationships[(author, viewer)] = (relationship, Until(seen, clock.GetUtcNow(), options.Value.RelationshipFor));
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
            Interlocked.Increment(ref generation); // before the removal: a load racing it must not store its old answer
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
