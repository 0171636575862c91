using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Places;

/// <summary>
/// One place's check-in statistics: counts, recent check-ins, who is here now, and the mayor. Key: the place id.
/// The place's details live in the places table (<see cref="PlaceDirectory"/>), which is also the search index; the
/// grain reads them on activation, so a place page is one call. Its statistics are a cache derived from the checkins
/// rows (<see cref="PlaceVisits"/>), read on activation and kept up to date in memory by the events.
/// </summary>
public interface IPlaceGrain : IGrainWithStringKey
{
    /// <summary>Details, statistics and the mayor's username key; null when no such place exists.</summary>
    Task<PlaceView?> GetPlace();

    /// <summary>
    /// Applies one check-in event (a new or released check-in, or <see cref="CheckinEvent.Deleted"/>), in memory only.
    /// Delivery is at least once: repeating an event changes nothing. The sender must have committed the check-in's
    /// row (its creation, release or deletion) before sending the event: the place trusts the row over the event when
    /// they disagree, and a create made before the grain activated whose row it cannot find counts nowhere.
    /// </summary>
    Task RecordCheckin(CheckinEvent checkin);

    /// <summary>
    /// A page of check-ins here, newest first; every visibility, so the caller must filter for its viewer.
    /// Holds the newest ~200 (and every one of the last 60 days); older ones are in their authors' histories.
    /// </summary>
    Task<List<PlaceCheckinRef>> GetRecent(PageQuery page);

    /// <summary>A finished page of the place feed as <paramref name="viewer"/> may see it, built in the silo; null when
    /// there is no such place.</summary>
    Task<Pages.ViewPage?> GetFeedView(PageQuery page, string? viewer);
}

/// <summary>A place's details, as the places table holds them.</summary>
[GenerateSerializer, Alias("herenow.place")]
public sealed record PlaceDetails(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] string? Category,
    [property: Id(5)] string? Address,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] string? CreatedBy);

/// <summary>Counts that others may see: private check-ins are in none of them.</summary>
[GenerateSerializer, Alias("herenow.place-stats")]
public sealed record PlaceStats(
    [property: Id(0)] int CheckinsCount,
    [property: Id(1)] int VisitorsCount,
    [property: Id(2)] int HereNowCount);

/// <summary>A place page: details, statistics and the mayor's username key (null: nobody qualifies).</summary>
[GenerateSerializer, Alias("herenow.place-view")]
public sealed record PlaceView(
    [property: Id(0)] PlaceDetails Place,
    [property: Id(1)] PlaceStats Stats,
    [property: Id(2)] string? Mayor);

/// <summary>A check-in at a place, as the place keeps it: enough to count it and to filter it for a viewer.</summary>
[GenerateSerializer, Alias("herenow.place-checkin")]
public sealed record PlaceCheckinRef(
    [property: Id(0)] string Id,
    [property: Id(1)] string Author,
    [property: Id(2)] Visibility Visibility,
    [property: Id(3)] DateTimeOffset CreatedAt);
