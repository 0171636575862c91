using Herenow.Bench;
using Herenow.Bench.Seeding;

namespace Herenow.Tests.Bench;

/// <summary>The seeded follow graph (Zipf on both ends) and the seeded posters: shape, bounds, determinism.</summary>
public sealed class SeedGraphTests
{
    private static readonly ZipfFollowGraph Quick = new(users: 2_000, meanFollows: 10, maxFollows: 200);

    [Fact]
    public void Edges_have_no_self_follows_no_duplicates_and_every_user_follows_between_one_and_the_cap()
    {
        var edges = Quick.Edges().ToList();

        Assert.DoesNotContain(edges, e => e.Follower == e.Followee);
        Assert.Equal(edges.Count, edges.Distinct().Count());
        Assert.All(edges, e => Assert.InRange(e.Followee, 0, Quick.Users - 1));
        var outDegree = edges.GroupBy(e => e.Follower).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Quick.Users, outDegree.Count);
        Assert.All(outDegree.Values, k => Assert.InRange(k, 1, Quick.MaxFollows));
    }

    [Fact]
    public void The_mean_number_of_follows_is_the_one_asked_for()
    {
        var edges = Quick.Edges().Count();

        Assert.InRange((double)edges / Quick.Users, 9, 11);
        Assert.Equal(10, ZipfFollowGraph.MeanOf(200, Quick.OutDegreeExponent), precision: 3);
    }

    [Fact]
    public void Follows_per_user_are_long_tailed_most_follow_few_some_follow_many()
    {
        var outDegree = Quick.Edges().GroupBy(e => e.Follower).Select(g => g.Count()).Order().ToList();
        var median = outDegree[outDegree.Count / 2];

        Assert.True(median < 10, $"median {median} should be below the mean of 10");
        Assert.True(outDegree[^1] >= 100, $"the busiest reader follows only {outDegree[^1]}");
    }

    [Fact]
    public void Followers_follow_a_power_law_by_popularity_rank()
    {
        var inDegree = new int[Quick.Users];
        foreach (var (_, followee) in Quick.Edges()) inDegree[followee]++;
        var sorted = inDegree.Order().ToList();

        // Rank 0 is the most followed; the top 1% of accounts have a large share of all follows; most have few.
        Assert.Equal(inDegree.Max(), inDegree[0]);
        // P(rank 0) = 1/H(2000, 1.1) ≈ 17% per draw, and a user draws 1 to 200 distinct followees: about every other
        // user follows the most popular account.
        Assert.True(inDegree[0] > Quick.Users / 4, $"the most followed has {inDegree[0]}");
        Assert.True(inDegree[0] > 20 * inDegree[100], $"rank 0 {inDegree[0]} against rank 100 {inDegree[100]}");
        var top = inDegree.OrderDescending().Take(Quick.Users / 100).Sum();
        Assert.True(top > 0.3 * inDegree.Sum(), $"top 1% hold {top} of {inDegree.Sum()}");
        Assert.True(sorted[sorted.Count / 2] <= 3, $"median followers {sorted[sorted.Count / 2]}");
    }

    [Fact]
    public void The_same_parameters_give_the_same_graph_and_another_seed_another()
    {
        var again = new ZipfFollowGraph(2_000, 10, 200);
        var other = new ZipfFollowGraph(2_000, 10, 200, seed: 8);

        Assert.Equal(Quick.Edges(), again.Edges());
        Assert.NotEqual(Quick.Edges(), other.Edges());
    }

    [Theory]
    [InlineData(1_000, 3)]
    [InlineData(1_000, 10)]
    [InlineData(200, 50)]
    [InlineData(5, 3)]
    public void The_exponent_solves_for_the_mean(int max, double mean)
    {
        var exponent = ZipfFollowGraph.SolveExponent(max, mean);

        Assert.Equal(mean, ZipfFollowGraph.MeanOf(max, exponent), precision: 3);
    }

    [Fact]
    public void A_mean_above_what_a_uniform_choice_gives_and_a_cap_above_the_users_are_clamped()
    {
        var graph = new ZipfFollowGraph(users: 50, meanFollows: 40, maxFollows: 500);

        Assert.Equal(49, graph.MaxFollows);
        Assert.Equal(0, graph.OutDegreeExponent);
        Assert.All(graph.Edges().GroupBy(e => e.Follower), g => Assert.InRange(g.Count(), 1, 49));
    }

    [Fact]
    public void The_sentinel_names_the_seed_format_and_the_graph()
    {
        var plan = new SeedPlan(2_000, 10, 200, [100, 1_000]);

        Assert.Equal($"bench_seed{SeedPlan.Format}_2000_10_200_1100", plan.Sentinel);
        Assert.NotEqual(plan.Sentinel, new SeedPlan(2_000, 3, 200, [100, 1_000]).Sentinel);
    }

    [Fact]
    public void Posters_are_a_shuffle_of_the_users_drawn_by_zipf_rank()
    {
        var posters = new PosterDistribution(2_000);
        var ranks = Enumerable.Range(0, 2_000).Select(posters.AtRank).ToList();
        Assert.Equal(Enumerable.Range(0, 2_000), ranks.Order());
        Assert.NotEqual(0, posters.AtRank(0)); // not the most followed account: activity is independent of popularity

        var random = new Random(1);
        var counts = new Dictionary<int, int>();
        for (var i = 0; i < 20_000; i++)
        {
            var user = posters.Next(random);
            counts[user] = counts.GetValueOrDefault(user) + 1;
        }
        Assert.Equal(posters.AtRank(0), counts.MaxBy(c => c.Value).Key);
        // Exponent 1 over 2,000: the top author writes about 1/H(2000) ≈ 12% of everything, so full history pages.
        Assert.InRange(counts[posters.AtRank(0)], 1_800, 3_000);
        Assert.Equal(ranks, Enumerable.Range(0, 2_000).Select(new PosterDistribution(2_000).AtRank));
    }

    [Fact]
    public void Options_default_to_the_issue_18_loads_and_check_the_graph_bounds()
    {
        var quick = BenchOptions.Parse(["run", "--quick"]);
        Assert.Equal(500, quick.GlobalWriteRate);
        Assert.Equal(500, quick.FanoutLoadRate);
        Assert.Equal(10, quick.FollowsPerUser);
        Assert.Equal(200, quick.MaxFollows);
        Assert.Contains("place", quick.Only);
        Assert.Contains("accounts", quick.Only);
        Assert.True(quick.GcPauses);

        var set = BenchOptions.Parse(["run", "--global-write-rate", "0", "--fanout-load-rate", "250", "--follows", "4.5", "--max-follows", "50", "--no-gc-pauses"]);
        Assert.Equal(0, set.GlobalWriteRate);
        Assert.Equal(250, set.FanoutLoadRate);
        Assert.Equal(4.5, set.FollowsPerUser);
        Assert.Equal(50, set.MaxFollows);
        Assert.False(set.GcPauses);

        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["run", "--follows", "20", "--max-follows", "10"]));
    }
}
