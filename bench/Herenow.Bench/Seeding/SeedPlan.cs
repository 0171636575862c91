using System.Globalization;

namespace Herenow.Bench.Seeding;

/// <summary>
/// Who exists, who follows whom and who posts, decided up front and deterministically (fixed random seeds), so a
/// second run against the same data directory finds the same accounts.
/// Regular users <c>bench_u000000..</c> follow each other along a <see cref="ZipfFollowGraph"/>: followees by Zipf
/// popularity (power-law follower counts), follows per user from a power law with a given mean (most follow a few
/// accounts, some hundreds). On top, "celebrity" accounts <c>bench_f&lt;N&gt;</c> are followed by exactly the first N
/// regular users: the 1k/10k/100k-follower authors the fan-out figure posts as. Seeded check-ins are written by
/// authors drawn by a Zipf over a fixed shuffle of the users (<see cref="Posters"/>): a few prolific authors with
/// full history pages, a long tail with one or none, and how much someone posts unrelated to how many follow them.
/// </summary>
public sealed class SeedPlan
{
    /// <summary>
    /// The seed's format. Bumped whenever what gets seeded changes (2: the Zipf follow graph and Zipf posters), so a
    /// data directory seeded the old way is never topped up the new way (bench/lib/service.sh names the data
    /// directory after it too).
    /// </summary>
    public const int Format = 2;

    public SeedPlan(int users, double meanFollows, int maxFollows, IReadOnlyList<int> celebrities)
    {
        Users = users;
        Celebrities = celebrities;
        Graph = new ZipfFollowGraph(users, meanFollows, maxFollows);
        Posters = new PosterDistribution(users);
    }

    public int Users { get; }
    public IReadOnlyList<int> Celebrities { get; }
    public ZipfFollowGraph Graph { get; }
    public PosterDistribution Posters { get; }

    public static string User(int index) => "bench_u" + index.ToString("D6", CultureInfo.InvariantCulture);

    public static string Celebrity(int followers) => "bench_f" + followers.ToString(CultureInfo.InvariantCulture);

    /// <summary>Registered last: when it exists, seeding with this plan (and this format) has completed before.</summary>
    public string Sentinel => string.Create(CultureInfo.InvariantCulture,
        $"bench_seed{Format}_{Users}_{Graph.MeanFollows:0.#}_{Graph.MaxFollows}_{Celebrities.Sum()}");

    public IEnumerable<string> Accounts => Enumerable.Range(0, Users).Select(User).Concat(Celebrities.Select(Celebrity));

    public IEnumerable<(string Follower, string Followee)> BackgroundFollows() =>
        Graph.Edges().Select(e => (User(e.Follower), User(e.Followee)));

    /// <summary>
    /// The accounts that get bearer tokens for the request mix: spread evenly over all Zipf ranks, so posters and
    /// readers are a realistic sample (the first ranks are the most-followed accounts, whose every check-in fans out
    /// to thousands).
    /// </summary>
    public static List<string> SessionPool(int users, int size)
    {
        size = Math.Min(size, users);
        return Enumerable.Range(0, size).Select(i => User((int)((long)i * users / size))).ToList();
    }

    /// <summary>Celebrity N's followers in the order they follow: the last of them is its "last-created" follower.</summary>
    public static IEnumerable<string> FollowersOf(int celebrity) => Enumerable.Range(0, celebrity).Select(User);
}

/// <summary>
/// Who writes the seeded check-ins (and whose history pages the accounts figure reads): rank r of a Zipf with
/// exponent 1 is the user at position r of a fixed shuffle of all users. The shuffle keeps posting activity
/// independent of popularity, so the seeding's fan-out stays that of an average author, while a few authors still get
/// full pages of history.
/// </summary>
public sealed class PosterDistribution
{
    private readonly int[] order;
    private readonly ZipfSampler zipf;

    public PosterDistribution(int users, double exponent = 1.0, int seed = 13)
    {
        order = [.. Enumerable.Range(0, users)];
        new Random(seed).Shuffle(order);
        zipf = new ZipfSampler(users, exponent);
    }

    /// <summary>The user index of the author at posting rank <paramref name="rank"/> (0: the most prolific).</summary>
    public int AtRank(int rank) => order[rank];

    /// <summary>A user index drawn by posting activity.</summary>
    public int Next(Random random) => order[zipf.Next(random)];
}
