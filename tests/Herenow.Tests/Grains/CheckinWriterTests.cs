using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Grains;

/// <summary>
/// Group commit (ADR 0026): concurrent check-ins of different authors share one transaction, each caller is answered
/// only once its own row committed, and a row PostgreSQL refuses fails only its own post.
/// </summary>
public sealed class CheckinWriterTests : IAsyncLifetime
{
    private const int Authors = 12;
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    // A linger makes the batching deterministic: every post of the burst reaches the queue before the first batch.
    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync(services: s =>
        s.Configure<CheckinWriterOptions>(o => o.Linger = TimeSpan.FromMilliseconds(300)));

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static NewCheckin At(string shout) => new(Cafe, 52.52, 13.40, 10, shout, Visibility.Public, []);

    [Fact]
    public async Task Concurrent_checkins_share_a_commit_and_each_is_durable_when_acknowledged()
    {
        var users = new List<IUserGrain>();
        for (var i = 0; i < Authors; i++)
        {
            users.Add(await host.RegisterAsync($"w{i}"));
        }
        var posted = await Task.WhenAll(users.Select((u, i) => u.PostCheckin(At($"#{i}"))));

        // Acknowledged = durable: every id returned is a committed row. Rows written by one transaction share its
        // xmin, so the distinct xmins are the commits these check-ins took.
        var ids = string.Join(",", posted.Select(p => $"'{p.Id}'"));
        Assert.Equal(Authors, await host.Database.ScalarAsync<long>($"SELECT count(*) FROM checkins WHERE id IN ({ids})"));
        var commits = await host.Database.ScalarAsync<long>($"SELECT count(DISTINCT xmin::text) FROM checkins WHERE id IN ({ids})");
        Assert.True(commits < Authors / 2, $"{Authors} concurrent check-ins took {commits} commits");
    }

    [Fact]
    public async Task A_row_postgresql_refuses_fails_only_its_own_post()
    {
        var good = await host.RegisterAsync("good");
        var bad = await host.RegisterAsync("bad");
        var other = await host.RegisterAsync("other");

        // A NUL character is refused by PostgreSQL's text type (SQLSTATE 22021) — in the same batch as the others.
        var results = await Task.WhenAll(
            Capture(good.PostCheckin(At("fine"))),
            Capture(bad.PostCheckin(At("nul \u0000 inside"))),
            Capture(other.PostCheckin(At("also fine"))));

        Assert.NotNull(results[0].Record);
        Assert.NotNull(results[1].Error);
        Assert.NotNull(results[2].Record);
        Assert.Equal(2, await host.Database.ScalarAsync<long>("SELECT count(*) FROM checkins"));
        Assert.Equal(0, (await bad.GetAccount(null))!.CheckinsCount);
    }

    [Fact]
    public async Task A_row_handed_over_after_the_writer_stopped_still_commits()
    {
        var writer = host.Cluster.Silos[0].ServiceProvider.GetRequiredService<CheckinWriter>();
        await writer.StopAsync(CancellationToken.None);
        var user = await host.RegisterAsync("late");

        var record = await user.PostCheckin(At("while stopping"));

        Assert.Equal(1, await host.Database.ScalarAsync<long>($"SELECT count(*) FROM checkins WHERE id = '{record.Id}'"));
    }

    [Fact]
    public async Task The_counts_an_author_wakes_with_are_kept_by_the_inserts_and_deletes_not_counted_from_the_rows()
    {
        var user = await host.RegisterAsync("counted");
        var kept = await user.PostCheckin(At("one"));
        var gone = await user.PostCheckin(At("two"));
        await user.PostCheckin(At("three") with { Visibility = Visibility.Followers, IdempotencyKey = "k" });
        await user.PostCheckin(At("three again") with { Visibility = Visibility.Followers, IdempotencyKey = "k" }); // a retry
        Assert.True(await user.DeleteCheckin(gone.Id));
        Assert.False(await user.DeleteCheckin(gone.Id)); // a second delete counts nothing

        Assert.Equal("0:1,1:1", await host.Database.ScalarAsync<string>(
            "SELECT string_agg(visibility || ':' || live, ',' ORDER BY visibility) FROM checkin_counts WHERE author = 'counted'"));
        // A fresh activation reads them from checkin_counts: proven by making that table disagree with the rows.
        await host.Database.ExecuteAsync("UPDATE checkin_counts SET live = live + 40 WHERE author = 'counted' AND visibility = 0");
        await host.Cluster.DeactivateAsync(user);
        var card = await host.Client.GetGrain<IUserGrain>("counted").GetCard();
        Assert.Equal(41, card!.PublicCheckins);
        Assert.Equal(1, card.FollowersOnlyCheckins);
        Assert.Equal(kept.Id, (await user.GetHistory(Herenow.Grains.Common.PageQuery.First(10), false, false)).Single().Id);
    }

    private static async Task<(CheckinRecord? Record, Exception? Error)> Capture(Task<CheckinRecord> post)
    {
        try
        {
            return (await post, null);
        }
        catch (Exception e)
        {
            return (null, e);
        }
    }
}
