using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Tests.Support;

namespace Herenow.Tests.Grains;

/// <summary>
/// The second layer of Idempotency-Key: the key is stored with the check-in row (unique per author), so a retry that
/// reaches the author's grain again (the API crashed after the check-in committed, before it stored the response)
/// creates nothing new.
/// </summary>
public sealed class CheckinIdempotencyTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<IUserGrain> Account(string name) => host.RegisterAsync(name);

    private static NewCheckin Keyed(string? key, string shout = "hi") =>
        new(Cafe, 52.52, 13.40, 10, shout, Visibility.Public, [], key);

    private static async Task<List<CheckinEntry>> History(IUserGrain user) =>
        await user.GetHistory(PageQuery.First(40), includeFollowersOnly: true, includePrivate: true);

    [Fact]
    public async Task Second_post_with_the_same_key_returns_the_first_record_even_after_reactivation()
    {
        var ana = await Account("ana");
        var first = await ana.PostCheckin(Keyed("k-1"));

        // From storage, as after a silo crash: the key must have been written with the check-in.
        await host.Cluster.DeactivateAsync(ana);
        var second = await ana.PostCheckin(Keyed("k-1"));

        Assert.Equal((first.Id, first.CreatedAt, first.Shout, first.Place), (second.Id, second.CreatedAt, second.Shout, second.Place));
        Assert.Equal([first.Id], (await History(ana)).Select(e => e.Id));
    }

    [Fact]
    public async Task Other_keys_and_no_key_create_new_checkins()
    {
        var ben = await Account("ben");
        var keyed = await ben.PostCheckin(Keyed("k-1"));
        var otherKey = await ben.PostCheckin(Keyed("k-2"));
        var unkeyed1 = await ben.PostCheckin(Keyed(null));
        var unkeyed2 = await ben.PostCheckin(Keyed(null));

        Assert.Equal(4, new[] { keyed.Id, otherKey.Id, unkeyed1.Id, unkeyed2.Id }.Distinct().Count());
        Assert.Equal(4, (await History(ben)).Count);
    }

    [Fact]
    public async Task Keys_are_per_author()
    {
        var cleo = await Account("cleo");
        var dora = await Account("dora");

        var fromCleo = await cleo.PostCheckin(Keyed("shared"));
        var fromDora = await dora.PostCheckin(Keyed("shared"));

        Assert.NotEqual(fromCleo.Id, fromDora.Id);
        Assert.Equal("dora", fromDora.Author);
    }
}
