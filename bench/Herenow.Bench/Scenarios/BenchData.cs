using Herenow.Bench.Seeding;

namespace Herenow.Bench.Scenarios;

/// <summary>
/// What the scenarios draw from: real places, tokens of seeded users, and (for history pages) the seeded authors by
/// posting activity.
/// </summary>
public sealed record BenchData(PlaceCatalog Places, IReadOnlyList<(string Username, string Token)> Sessions,
    PosterDistribution? Posters = null)
{
    public string AnyToken(Random random) => Sessions[random.Next(Sessions.Count)].Token;
}
