using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Feeds;

/// <summary>
/// This silo's copy of the global feed: the newest public check-ins, in memory. Every silo receives every committed
/// check-in (<see cref="SiloFeedsGrain"/>), so each keeps the whole ring and a global page is a local read. Built from
/// the table on first use; deliveries are applied from the start, before the load, so nothing committed in between
/// is missed (both are idempotent).
/// </summary>
public sealed class GlobalTimeline(CheckinStore checkins)
{
    public const int Capacity = 800;

    private readonly FeedTimeline timeline = new(Capacity);
    private readonly Lock gate = new();
    private Task? loaded;

    public bool Apply(CheckinEvent checkin) => timeline.Apply(checkin);

    public async Task<List<CheckinEntry>> PageAsync(PageQuery query)
    {
        await EnsureLoadedAsync();
        return timeline.Page(query);
    }

    private Task EnsureLoadedAsync()
    {
        lock (gate)
        {
            if (loaded is null || loaded.IsFaulted || loaded.IsCanceled)
            {
                loaded = LoadAsync();
            }
            return loaded;
        }
    }

    private async Task LoadAsync() => timeline.AddRange(await checkins.PublicEntriesAsync(Capacity));
}
