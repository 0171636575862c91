using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;

namespace Herenow.Grains.Pages;

/// <summary>
/// One check-in as a given viewer may see it, with its author as that viewer sees them: what a page carries from the
/// silo to the API, which only renders it. <see cref="AuthorUrl"/> is set for fediverse authors (no dates or counts here).
/// </summary>
[GenerateSerializer, Immutable, Alias("herenow.checkin-view")]
public sealed record CheckinView(
    [property: Id(0)] CheckinRecord Checkin,
    [property: Id(1)] AccountView Author,
    [property: Id(2)] CheckinAccess Access,
    [property: Id(3)] string? AuthorUrl = null);

/// <summary>
/// A finished page: the views, and the ids of the entries it was cut from (before visibility filtering), which the API
/// turns into the Link header so that paging never skips what a filter removed.
/// </summary>
[GenerateSerializer, Immutable, Alias("herenow.view-page")]
public sealed record ViewPage(
    [property: Id(0)] List<CheckinView> Items,
    [property: Id(1)] string? NewestId,
    [property: Id(2)] string? OldestId)
{
    public static ViewPage Of(List<CheckinView> items, IReadOnlyList<CheckinEntry> entries) =>
        new(items, entries.Count > 0 ? entries[0].Id : null, entries.Count > 0 ? entries[^1].Id : null);
}
