using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Tests.Support;

/// <summary>A home feed's finished page as ids, read straight from its grain (the page the API would render).</summary>
public static class HomeFeeds
{
    public static async Task<List<string>> IdsAsync(IGrainFactory grains, string owner) =>
        (await grains.GetGrain<IFeedGrain>(owner).GetHomeView(PageQuery.First(40))).Items.Select(v => v.Checkin.Id).ToList();

    /// <summary>Polls until <paramref name="done"/> holds (at most 5 s: delivery is asynchronous), then returns the ids.</summary>
    public static Task<List<string>> WaitAsync(IGrainFactory grains, string owner, Func<List<string>, bool> done) =>
        Eventually.Value(() => IdsAsync(grains, owner), done, $"{owner}'s home feed as expected");
}
