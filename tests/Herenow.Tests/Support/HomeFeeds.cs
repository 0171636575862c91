using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Tests.Support;

/// <summary>A home feed's finished page as ids, read straight from its grain (the page the API would render).</summary>
public static class HomeFeeds
{
    public static async Task<List<string>> IdsAsync(IGrainFactory grains, string owner) =>
        (await grains.GetGrain<IFeedGrain>(owner).GetHomeView(PageQuery.First(40))).Items.Select(v => v.Checkin.Id).ToList();

    /// <summary>Polls until <paramref name="done"/> holds (at most about 5 s: delivery is asynchronous), then returns the ids.</summary>
    public static async Task<List<string>> WaitAsync(IGrainFactory grains, string owner, Func<List<string>, bool> done)
    {
        var ids = await IdsAsync(grains, owner);
        for (var i = 0; i < 100 && !done(ids); i++)
        {
            await Task.Delay(50);
            ids = await IdsAsync(grains, owner);
        }
        return ids;
    }
}
