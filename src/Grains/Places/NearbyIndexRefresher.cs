using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Places;

/// <summary>The in-memory nearby index ("Herenow:Places:Nearby").</summary>
public sealed class NearbyIndexOptions
{
    public const string Section = "Herenow:Places:Nearby";

    /// <summary>Answer nearby searches from memory (false: every search goes to PostgreSQL, as before).</summary>
    public bool InMemory { get; set; } = true;

    /// <summary>
    /// How often the table's row count is read (one count, about 5 ms of PostgreSQL for 135k places) and, when it grew,
    /// the new places: the longest a place created through another API process (or imported) stays out of this
    /// process's searches, plus the read itself.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How far back before the last read each read reaches (created_at is the inserting process's clock, or the
    /// import transaction's start, and a row becomes visible only at commit). A row that still slips through (a
    /// longer transaction, a clock further off) is caught by the count check, at the price of a full reload.
    /// </summary>
    public TimeSpan RefreshOverlap { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Loads the <see cref="NearbyIndex"/> of this process from the places table at start, then keeps it current.
/// <para>Consistency (docs/adr/0029-nearby-in-memory.md): one index per API process, loaded in full at start (until
/// then searches go to PostgreSQL), then every <see cref="NearbyIndexOptions.RefreshInterval"/> the table's row count
/// is read. Places are never updated or deleted, and every place the index has read from the table (its confirmed
/// count) is still there, so the index holds the whole table exactly when the two counts are equal: then nothing else
/// is read. Otherwise the places created since the last read (less <see cref="NearbyIndexOptions.RefreshOverlap"/>) are
/// read in the same snapshot, and if the counts still differ (a row that slipped past the overlap, or a delete someone
/// made by hand) the index is reloaded in full. A place created through this process is
/// in its index at once (<see cref="PlaceDirectory.CreateAsync"/>); other API processes see it within one refresh
/// interval (2 s by default). That staleness across processes is the accepted price of answering without a round
/// trip: the creator's own searches through the same process see the place at once, and a search through another
/// process misses a place for at most that long, never returns a wrong distance, and never loses a place for good.</para>
/// </summary>
public sealed class NearbyIndexRefresher(
    NearbyIndex index,
    PlaceDirectory directory,
    TimeProvider clock,
    IOptions<NearbyIndexOptions> options,
    ILogger<NearbyIndexRefresher> logger,
    PlaceCache? cache = null) : BackgroundService
{
    private DateTimeOffset lastReadAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.InMemory)
        {
            return;
        }
        var retry = TimeSpan.FromSeconds(1);
        while (!index.IsLoaded)
        {
            try
            {
                await ReloadAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be unreachable or not migrated yet: searches go to PostgreSQL meanwhile.
                logger.LogWarning(e, "nearby index: loading the places failed; retrying in {Retry}", retry);
                await Task.Delay(retry, clock, stoppingToken);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
        using var timer = new PeriodicTimer(settings.RefreshInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(settings.RefreshOverlap, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "nearby index: reading new places failed; the next refresh tries again");
            }
        }
    }

    /// <summary>Reads the places created since the last read (less the overlap); reloads when the count disagrees.</summary>
    public async Task RefreshAsync(TimeSpan overlap, CancellationToken cancellationToken = default)
    {
        if (!index.IsLoaded)
        {
            await ReloadAsync(cancellationToken);
            return;
        }
        // Only this refresher changes the confirmed count. Equal to the table's count: nothing new, no rows read.
        var read = await directory.ReadPlacesAsync(lastReadAt - overlap, index.ConfirmedCount, cancellationToken);
        var confirmed = index.Confirm(read.Places);
        cache?.AddRange(read.Places);
        if (confirmed != read.Total)
        {
            logger.LogInformation(
                "nearby index: {Confirmed} places read but the table holds {Total}; reloading", confirmed, read.Total);
            await ReloadAsync(cancellationToken);
            return;
        }
        lastReadAt = read.ReadAt;
    }

    /// <summary>Reads the whole table into a new index state.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        var started = clock.GetTimestamp();
        var first = !index.IsLoaded;
        var read = await directory.ReadPlacesAsync(null, cancellationToken: cancellationToken);
        index.Load(read.Places);
        // The same rows fill the place cache: a check-in at any place then needs no round trip to learn it.
        cache?.AddRange(read.Places);
        lastReadAt = read.ReadAt;
        if (first)
        {
            // Hundreds of thousands of objects that live as long as the process: promote them now, at start, rather
            // than in the first collection under load (with server GC's large budgets, a single pause of ~200 ms).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        logger.LogInformation("nearby index: {Count} places loaded in {Elapsed:0} ms",
            read.Places.Count, clock.GetElapsedTime(started).TotalMilliseconds);
    }
}

public static class NearbyIndexServices
{
    /// <summary>
    /// An in-memory <see cref="NearbyIndex"/> for this process's <see cref="PlaceDirectory"/>, loaded and kept current
    /// by <see cref="NearbyIndexRefresher"/>, configured from "Herenow:Places:Nearby". Register before
    /// <see cref="PlaceCacheServices.AddPlaceCache"/> or after: the directory takes the index when there is one.
    /// </summary>
    public static IServiceCollection AddNearbyIndex(this IServiceCollection services)
    {
        services.TryAddSingleton<NearbyIndex>();
        services.AddHostedService<NearbyIndexRefresher>();
        services.AddOptions<NearbyIndexOptions>().BindConfiguration(NearbyIndexOptions.Section)
            .Validate(o => o.RefreshInterval > TimeSpan.Zero && o.RefreshOverlap >= TimeSpan.Zero,
                "Herenow:Places:Nearby: RefreshInterval must be positive and RefreshOverlap not negative.")
            .ValidateOnStart();
        return services;
    }
}
