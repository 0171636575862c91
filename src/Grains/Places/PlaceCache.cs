using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Places;

/// <summary>Bounds of <see cref="PlaceCache"/> ("Herenow:Places:Cache").</summary>
public sealed class PlaceCacheOptions
{
    public const string Section = "Herenow:Places:Cache";

    /// <summary>
    /// Places kept in memory per process. 200,000 holds the 135k imported GeoNames places and the ones users add, at
    /// roughly 300 bytes each (about 60 MB when every place has been read); 0 turns the cache off.
    /// </summary>
    public int MaxEntries { get; set; } = 200_000;

    /// <summary>
    /// How long an id that is not in the places table is answered "no such place" from memory. Short, because a place
    /// can appear later (an import, or one created through another API instance); zero caches no misses.
    /// </summary>
    public TimeSpan MissLifetime { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Place details from memory, in front of <see cref="PlaceDirectory.GetAsync"/>. A place is never updated or deleted
/// once created (the API creates, <c>scripts/import-places.sh</c> only adds), so a place found stays valid for as long
/// as the process runs; only its presence is bounded (<see cref="PlaceCacheOptions.MaxEntries"/>). An unknown id is
/// remembered for <see cref="PlaceCacheOptions.MissLifetime"/> at most. One per process (a DI singleton, in the silo
/// and in the API), never static: tests run several silos and databases in one process.
/// <para>Use: take <c>PlaceCache</c> by constructor or endpoint-parameter injection and call
/// <c>await places.GetAsync(id, ct)</c> where <c>PlaceDirectory.GetAsync</c> was called (a grain: a constructor
/// parameter, as for <c>NpgsqlDataSource</c>). Registered by <c>AddHerenowGrainServices</c> (silo) and
/// <c>AddPlaceServices</c> (API), both through <see cref="PlaceCacheServices.AddPlaceCache"/>.</para>
/// </summary>
public sealed class PlaceCache(PlaceDirectory directory, TimeProvider clock, IOptions<PlaceCacheOptions> options)
{
    private readonly ConcurrentDictionary<string, PlaceDetails> places = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> misses = new(StringComparer.Ordinal);
    private readonly int maxEntries = Math.Max(0, options.Value.MaxEntries);
    private readonly long missSpan = (long)(Math.Max(0, options.Value.MissLifetime.TotalSeconds) * clock.TimestampFrequency);

    /// <summary>Misses remembered at most (a flood of made-up ids cannot grow the process).</summary>
    private const int MaxMisses = 10_000;

    /// <summary>Places held now.</summary>
    public int Count => places.Count;

    /// <summary>The place with this id, or null when the places table has none (as <see cref="PlaceDirectory.GetAsync"/>).</summary>
    public ValueTask<PlaceDetails?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (places.TryGetValue(id, out var place))
        {
            return ValueTask.FromResult<PlaceDetails?>(place);
        }
        if (misses.TryGetValue(id, out var until))
        {
            if (clock.GetTimestamp() < until)
            {
                return ValueTask.FromResult<PlaceDetails?>(null);
            }
            misses.TryRemove(new KeyValuePair<string, long>(id, until));
        }
        return LoadAsync(id, cancellationToken);
    }

    /// <summary>Remembers a place just created (the API calls it after <see cref="PlaceDirectory.CreateAsync"/>).</summary>
    public void Add(PlaceDetails place)
    {
        ArgumentNullException.ThrowIfNull(place);
        misses.TryRemove(place.Id, out _);
        Store(place);
    }

    /// <summary>Remembers places read in bulk (the nearby index's load), as far as the bound allows.</summary>
    public void AddRange(IEnumerable<PlaceDetails> read)
    {
        foreach (var place in read)
        {
            if (places.Count >= maxEntries && !places.ContainsKey(place.Id))
            {
                return; // full: the rest load on demand, as before
            }
            misses.TryRemove(place.Id, out _);
            places[place.Id] = place;
        }
    }

    /// <summary>Forgets one id (found or missed), e.g. after a change to its row; nothing changes places today.</summary>
    public void Invalidate(string id)
    {
        places.TryRemove(id, out _);
        misses.TryRemove(id, out _);
    }

    private async ValueTask<PlaceDetails?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var place = await directory.GetAsync(id, cancellationToken);
        if (place is not null)
        {
            Store(place);
        }
        else if (missSpan > 0)
        {
            if (misses.Count >= MaxMisses)
            {
                misses.Clear();
            }
            misses[id] = clock.GetTimestamp() + missSpan;
        }
        return place;
    }

    private void Store(PlaceDetails place)
    {
        if (maxEntries == 0)
        {
            return;
        }
        if (places.Count >= maxEntries && !places.ContainsKey(place.Id))
        {
            // Full: drop an arbitrary twentieth (no recency tracking on the hot path; places are equally cheap to
            // reload, and with the default bound every place there is fits).
            var drop = Math.Max(1, maxEntries / 20);
            foreach (var key in places.Keys.Take(drop))
            {
                places.TryRemove(key, out _);
            }
        }
        places[place.Id] = place;
    }
}

public static class PlaceCacheServices
{
    /// <summary>
    /// <see cref="PlaceDirectory"/> and <see cref="PlaceCache"/> as singletons on the process's
    /// <c>NpgsqlDataSource</c> and <see cref="TimeProvider"/>, with the bounds from "Herenow:Places:Cache".
    /// Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddPlaceCache(this IServiceCollection services)
    {
        services.TryAddSingleton<PlaceDirectory>();
        services.TryAddSingleton<PlaceCache>();
        services.AddOptions<PlaceCacheOptions>().BindConfiguration(PlaceCacheOptions.Section)
            .Validate(o => o.MaxEntries >= 0 && o.MissLifetime >= TimeSpan.Zero, "Herenow:Places:Cache values must not be negative.")
            .ValidateOnStart();
        return services;
    }
}
