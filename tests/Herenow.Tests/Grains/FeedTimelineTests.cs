using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Tests.Grains;

public sealed class FeedTimelineTests
{
    private const int Capacity = 400;

    private static CheckinEvent Event(string id, bool deleted = false) =>
        new(id, "author", "place", Visibility.Public, DateTimeOffset.UnixEpoch, deleted);

    [Fact]
    public void A_repeated_delivery_changes_nothing()
    {
        var timeline = new FeedTimeline(Capacity);
        var id = TimeOrderedId.New();

        Assert.True(timeline.Apply(Event(id)));
        Assert.False(timeline.Apply(Event(id)));
        Assert.Equal(1, timeline.Count);
    }

    [Fact]
    public void A_delete_that_overtakes_its_create_wins()
    {
        var timeline = new FeedTimeline(Capacity);
        var id = TimeOrderedId.New();

        timeline.Apply(Event(id, deleted: true));
        timeline.Apply(Event(id));

        Assert.Equal(0, timeline.Count);
    }

    [Fact]
    public void Keeps_the_newest_entries_sorted_and_bounded()
    {
        var timeline = new FeedTimeline(Capacity);
        var ids = Enumerable.Range(0, Capacity + 50).Select(_ => TimeOrderedId.New()).ToList();

        foreach (var id in ids.OrderBy(_ => Random.Shared.Next()))
        {
            timeline.Apply(Event(id));
        }

        Assert.Equal(Capacity, timeline.Count);
        Assert.True(timeline.Truncated);
        Assert.Equal(Enumerable.Reverse(ids).Take(Capacity), timeline.Page(PageQuery.First(Capacity)).Select(e => e.Id));
    }

    [Fact]
    public void Paging_follows_max_since_and_min_id()
    {
        var timeline = new FeedTimeline(Capacity);
        var ids = Enumerable.Range(0, 10).Select(_ => TimeOrderedId.New()).ToList();
        ids.ForEach(id => timeline.Apply(Event(id)));

        Assert.Equal([ids[9], ids[8], ids[7]], timeline.Page(new PageQuery(null, null, null, 3)).Select(e => e.Id));
        Assert.Equal([ids[6], ids[5]], timeline.Page(new PageQuery(ids[7], null, null, 2)).Select(e => e.Id));
        Assert.Equal([ids[9], ids[8]], timeline.Page(new PageQuery(null, ids[5], null, 2)).Select(e => e.Id));
        Assert.Equal([ids[7], ids[6]], timeline.Page(new PageQuery(null, null, ids[5], 2)).Select(e => e.Id));
    }

    [Fact]
    public void Removing_an_author_drops_only_their_entries_and_lets_them_return()
    {
        var timeline = new FeedTimeline(Capacity);
        var mine = TimeOrderedId.New();
        var theirs = TimeOrderedId.New();
        timeline.Apply(Event(mine));
        timeline.Apply(new CheckinEvent(theirs, "other", "place", Visibility.Public, DateTimeOffset.UnixEpoch, false));

        timeline.RemoveAuthor("other");

        Assert.Equal([mine], timeline.Page(PageQuery.First(10)).Select(e => e.Id));
        timeline.AddRange([new CheckinEntry(theirs, "other", Visibility.Public)]); // followed again: merged back in
        Assert.Equal([theirs, mine], timeline.Page(PageQuery.First(10)).Select(e => e.Id));
    }

    [Fact]
    public void Ids_made_after_a_given_id_sort_after_it_even_when_the_clock_goes_back()
    {
        var late = TimeOrderedId.New(DateTimeOffset.UtcNow.AddMinutes(5));

        var next = TimeOrderedId.NewAfter(late, DateTimeOffset.UtcNow);

        Assert.True(string.CompareOrdinal(next, late) > 0);
    }
}
