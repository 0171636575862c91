namespace Herenow.Bench.Seeding;

/// <summary>
/// The seeded users' follow graph, Zipf on both ends, decided by a fixed random seed (the same graph in every run):
/// <list type="bullet">
/// <item><b>Whom</b>: each followee is drawn by popularity rank, P(rank r) ∝ 1/(r+1)^<see cref="PopularityExponent"/>
/// (user 0 is the most followed), so follower counts follow a power law: a few accounts with a large share of all
/// users as followers, most with a handful or none.</item>
/// <item><b>How many</b>: a user's number of follows k is drawn from 1..<see cref="MaxFollows"/> with P(k) ∝
/// k^-<see cref="OutDegreeExponent"/>, the exponent chosen so the mean is <see cref="MeanFollows"/>: most users follow
/// a few accounts, a few follow hundreds (whose home feeds are the busiest).</item>
/// </list>
/// No self-follows, no duplicate edges. Followees are drawn with rejection of repeats, at most 20 draws per wanted
/// follow; a user whose k is close to the number of accounts with any realistic chance of being drawn can end with
/// fewer than k (the report's seed line gives the real edge count).
/// </summary>
public sealed class ZipfFollowGraph
{
    private readonly double[] outCumulative;

    public ZipfFollowGraph(int users, double meanFollows, int maxFollows, double popularityExponent = 1.1, int seed = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(meanFollows, 1);
        Users = users;
        MaxFollows = Math.Clamp(maxFollows, 1, users - 1);
        MeanFollows = Math.Min(meanFollows, MaxFollows);
        PopularityExponent = popularityExponent;
        Seed = seed;
        OutDegreeExponent = SolveExponent(MaxFollows, MeanFollows);
        outCumulative = Cumulative(MaxFollows, OutDegreeExponent);
    }

    public int Users { get; }
    public int MaxFollows { get; }
    public double MeanFollows { get; }
    public double PopularityExponent { get; }
    public double OutDegreeExponent { get; }
    public int Seed { get; }

    /// <summary>The mean of k over 1..<paramref name="max"/> with P(k) ∝ k^-<paramref name="exponent"/>.</summary>
    public static double MeanOf(int max, double exponent)
    {
        double weights = 0, weighted = 0;
        for (var k = 1; k <= max; k++)
        {
            var w = Math.Pow(k, -exponent);
            weights += w;
            weighted += k * w;
        }
        return weighted / weights;
    }

    /// <summary>
    /// The exponent whose truncated power law over 1..max has the wanted mean (bisection: the mean falls as the
    /// exponent grows). Mean 1 needs an infinite exponent: capped at 30 (practically everyone follows one account).
    /// </summary>
    public static double SolveExponent(int max, double mean)
    {
        if (max <= 1) return 30;
        double lo = 0, hi = 30;
        if (mean >= MeanOf(max, lo)) return lo;
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            if (MeanOf(max, mid) > mean) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <summary>Every edge, follower by follower in user order; each follower's followees in the order drawn.</summary>
    public IEnumerable<(int Follower, int Followee)> Edges()
    {
        var random = new Random(Seed);
        var popularity = new ZipfSampler(Users, PopularityExponent);
        var picked = new HashSet<int>();
        for (var u = 0; u < Users; u++)
        {
            var wanted = OutDegree(random);
            picked.Clear();
            var order = new List<int>(wanted);
            for (var attempt = 0; order.Count < wanted && attempt < wanted * 20; attempt++)
            {
                var target = popularity.Next(random);
                if (target != u && picked.Add(target)) order.Add(target);
            }
            foreach (var target in order) yield return (u, target);
        }
    }

    private int OutDegree(Random random)
    {
        var index = Array.BinarySearch(outCumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, outCumulative.Length - 1) + 1;
    }

    private static double[] Cumulative(int n, double exponent)
    {
        var cumulative = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += Math.Pow(i + 1, -exponent);
            cumulative[i] = sum;
        }
        for (var i = 0; i < n; i++) cumulative[i] /= sum;
        return cumulative;
    }
}
