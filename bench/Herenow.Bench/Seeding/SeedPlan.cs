using System.Globalization;

namespace Herenow.Bench.Seeding;

/// <summary>
/// Who exists and who follows whom, decided up front and deterministically (fixed random seed), so a second run
/// against the same data directory finds the same accounts.
/// Regular users <c>bench_u000000..</c> each follow a few others drawn by Zipf rank, which gives the long-tailed
/// (power-law) follower counts of real networks. On top, "celebrity" accounts <c>bench_f&lt;N&gt;</c> are followed by
/// exactly the first N regular users: the 1k/10k/100k-follower authors the fan-out figure posts as.
/// </summary>
public sealed class SeedPlan(int users, int followsPerUser, IReadOnlyList<int> celebrities)
{
    public int Users { get; } = users;
    public IReadOnlyList<int> Celebrities { get; } = celebrities;

    public static string User(int index) => "bench_u" + index.ToString("D6", CultureInfo.InvariantCulture);

    public static string Celebrity(int followers) => "bench_f" + followers.ToString(CultureInfo.InvariantCulture);

    /// <summary>Registered last: when it exists, seeding with this plan has completed before.</summary>
    public string Sentinel => FormattableString.Invariant($"bench_seed_{Users}_{followsPerUser}_{Celebrities.Sum()}");

    public IEnumerable<string> Accounts => Enumerable.Range(0, Users).Select(User).Concat(Celebrities.Select(Celebrity));

    public IEnumerable<(string Follower, string Followee)> BackgroundFollows()
    {
        var random = new Random(7);
        var zipf = new ZipfSampler(Users, 1.1);
        for (var u = 0; u < Users; u++)
        {
            var picked = new HashSet<int>();
            for (var attempt = 0; picked.Count < Math.Min(followsPerUser, Users - 1) && attempt < followsPerUser * 10; attempt++)
            {
                var target = zipf.Next(random);
                if (target != u) picked.Add(target);
            }
            foreach (var target in picked) yield return (User(u), User(target));
        }
    }

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
