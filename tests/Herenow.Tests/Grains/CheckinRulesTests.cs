using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Tests.Support;

namespace Herenow.Tests.Grains;

/// <summary>
/// The rules of a new check-in live behind the grain boundary (CheckinRules): the pure rules first, then that the
/// author's grain enforces them for any caller, not only for the REST endpoint.
/// </summary>
public sealed class CheckinRulesTests
{
    private static readonly PlaceSnapshot Gate = new("place-1", "Brandenburger Tor", 52.5163, 13.3777, "landmark");

    private static NewCheckin At(double latitude, double longitude, double? accuracy = 10, string? shout = "hi",
        IReadOnlyList<string>? media = null, TimeSpan? delay = null, bool untilNext = false) =>
        new(Gate, latitude, longitude, accuracy, shout, Visibility.Public, media ?? [], null, delay, untilNext);

    private static string[] Fields(NewCheckin checkin) => CheckinRules.Check(checkin).Select(b => b.Field).ToArray();

    [Fact]
    public void A_checkin_near_its_place_breaks_no_rule()
    {
        Assert.Empty(CheckinRules.Check(At(52.5170, 13.3780)));
        Assert.Empty(CheckinRules.Check(At(52.5170, 13.3780, shout: new string('x', CheckinRules.MaxShoutLength), delay: TimeSpan.FromDays(7))));
    }

    [Theory]
    [InlineData(91, 13.3777, "latitude")]
    [InlineData(-91, 13.3777, "latitude")]
    [InlineData(double.NaN, 13.3777, "latitude")]
    [InlineData(52.5163, 181, "longitude")]
    [InlineData(52.5163, double.NaN, "longitude")]
    public void Coordinates_out_of_range_are_named_and_not_measured(double latitude, double longitude, string field) =>
        Assert.Equal([field], Fields(At(latitude, longitude)));

    [Fact]
    public void Each_broken_rule_names_its_field()
    {
        Assert.Equal(["accuracy_m"], Fields(At(52.5163, 13.3777, accuracy: -1)));
        Assert.Equal(["shout"], Fields(At(52.5163, 13.3777, shout: new string('x', CheckinRules.MaxShoutLength + 1))));
        Assert.Equal(["media_ids"], Fields(At(52.5163, 13.3777, media: ["not an id"])));
        var id = TimeOrderedId.New(DateTimeOffset.UtcNow);
        Assert.Equal(["media_ids"], Fields(At(52.5163, 13.3777, media: [id, id])));
        Assert.Equal(["media_ids"], Fields(At(52.5163, 13.3777, media: Enumerable.Range(0, CheckinRules.MaxMedia + 1)
            .Select(i => TimeOrderedId.New(DateTimeOffset.UtcNow.AddSeconds(i))).ToList())));
        Assert.Equal(["publish_after_seconds"], Fields(At(52.5163, 13.3777, delay: TimeSpan.FromSeconds(9))));
        Assert.Equal(["publish_after_seconds"], Fields(At(52.5163, 13.3777, delay: TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1))));
        Assert.Equal(["publish_on_next_checkin"], Fields(At(52.5163, 13.3777, delay: TimeSpan.FromMinutes(1), untilNext: true)));
    }

    [Fact]
    public void The_distance_rule_allows_one_kilometre_plus_the_reported_accuracy()
    {
        // About 1.5 km north of the place.
        Assert.Equal(["latitude"], Fields(At(52.5298, 13.3777, accuracy: 10)));
        Assert.Empty(CheckinRules.Check(At(52.5298, 13.3777, accuracy: 600)));
    }

    [Fact]
    public void The_refusal_carries_every_broken_rule_across_the_grain_boundary()
    {
        var broken = CheckinRules.Check(At(52.5163, 13.3777, accuracy: -1, shout: new string('x', 300)));
        var refused = new CheckinRejectedException(broken);
        Assert.Equal(broken, refused.Violations);
    }
}

/// <summary>The author's grain applies the rules itself: a caller that skips the API writes nothing either.</summary>
public sealed class CheckinRulesGrainTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Gate = new("place-1", "Brandenburger Tor", 52.5163, 13.3777, "landmark");
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_checkin_far_from_its_place_is_refused_and_nothing_is_written()
    {
        var ana = await host.RegisterAsync("ana");
        var far = new NewCheckin(Gate, 48.8584, 2.2945, 10, "Paris?", Visibility.Public, []);

        var refused = await Assert.ThrowsAsync<CheckinRejectedException>(() => ana.PostCheckin(far));

        Assert.Equal("latitude", Assert.Single(refused.Violations).Field);
        Assert.Empty(await ana.GetHistory(PageQuery.First(10), includeFollowersOnly: true, includePrivate: true));
        var near = await ana.PostCheckin(far with { Latitude = 52.5165, Longitude = 13.3780 });
        Assert.Equal([near.Id], (await ana.GetHistory(PageQuery.First(10), true, true)).Select(e => e.Id));
    }
}
