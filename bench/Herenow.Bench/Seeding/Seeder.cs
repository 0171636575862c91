using System.Net.Http.Json;
using Herenow.Api.Accounts;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;

namespace Herenow.Bench.Seeding;

/// <summary>
/// Seeds through grain calls, not the REST API: registering 100k accounts through POST /api/v1/accounts would hash
/// 100k passwords (PBKDF2, tens of milliseconds each by design). Every seeded account gets the same precomputed hash
/// (the API's own <see cref="PasswordHashing"/>), so any of them can still sign in through POST /api/v1/sessions.
/// Everything is idempotent: Register refuses a taken name, Follow of a followee is a no-op. What is seeded is
/// <see cref="SeedPlan"/>'s business (the follow graph, the posters).
/// </summary>
public sealed class Seeder(IClusterClient cluster, BenchOptions options)
{
    public async Task SeedAsync(SeedPlan plan, PlaceCatalog places, HttpClient api, CancellationToken ct)
    {
        if (await cluster.GetGrain<IUserGrain>(plan.Sentinel).GetAccount(null) is not null)
        {
            Console.WriteLine($"seed: already seeded ({plan.Sentinel} exists); skipping");
            return;
        }
        var hash = new PasswordHashing().Hash(BenchOptions.SeedPassword);
        var accounts = plan.Accounts.ToList();
        await BoundedParallel.ForEachAsync("register", accounts, options.SeedParallelism, async (name, _) =>
            await cluster.GetGrain<IUserGrain>(name).Register(new NewAccount(name, name, hash)), ct);

        // Follow is a saga that holds the follower's grain while it calls the followee's. Two concurrent follows
        // A->B and B->A (or any longer cycle) therefore wait on each other until the call times out. Within one
        // phase every edge points the same way in username order, so concurrent calls can never form a cycle.
        var follows = plan.BackgroundFollows().ToList();
        Console.WriteLine(FormattableString.Invariant(
            $"seed: {follows.Count:N0} follows between regular users (Zipf graph: mean {plan.Graph.MeanFollows:0.#}, at most {plan.Graph.MaxFollows}, out-degree exponent {plan.Graph.OutDegreeExponent:F2}, popularity exponent {plan.Graph.PopularityExponent})"));
        foreach (var (phase, downward) in new[] { ("follow (power law), 1/2", true), ("follow (power law), 2/2", false) })
        {
            var edges = follows.Where(e => string.CompareOrdinal(e.Follower, e.Followee) > 0 == downward).ToList();
            await BoundedParallel.ForEachAsync(phase, edges, options.SeedParallelism, async (edge, _) =>
                await cluster.GetGrain<IUserGrain>(edge.Follower).Follow(edge.Followee), ct);
        }

        foreach (var celebrity in plan.Celebrities.Order())
        {
            var followers = SeedPlan.FollowersOf(celebrity).ToList();
            var target = SeedPlan.Celebrity(celebrity);
            // In order: the last-created follower is the one FanoutFigure also watches.
            await BoundedParallel.ForEachAsync($"follow {target}", followers, options.SeedParallelism, async (follower, _) =>
                await cluster.GetGrain<IUserGrain>(follower).Follow(target), ct);
        }

        var random = new Random(11);
        var posts = Enumerable.Range(0, options.SeedCheckins).Select(_ =>
        {
            var place = places.Popular(random);
            var (lat, lon) = PlaceCatalog.Near(place, random);
            return (Author: SeedPlan.User(plan.Posters.Next(random)), Checkin: new NewCheckin(place, lat, lon, 25, "seeded", Visibility.Public, [], null));
        }).ToList();
        await BoundedParallel.ForEachAsync("check-ins", posts, options.SeedParallelism, async (post, _) =>
            await cluster.GetGrain<IUserGrain>(post.Author).PostCheckin(post.Checkin), ct);

        await VerifySignInAsync(api, SeedPlan.User(0), ct);
        await cluster.GetGrain<IUserGrain>(plan.Sentinel).Register(new NewAccount(plan.Sentinel, plan.Sentinel, hash));
        Console.WriteLine("seed: done");
    }

    /// <summary>Proves the shared hash works: one seeded account signs in through the API like any user.</summary>
    private static async Task VerifySignInAsync(HttpClient api, string username, CancellationToken ct)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/sessions", new { username, password = BenchOptions.SeedPassword }, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"seeded account {username} cannot sign in: {(int)response.StatusCode}");
        }
        Console.WriteLine($"seed: {username} signs in through POST /api/v1/sessions");
    }
}
