using Herenow.Bench.Seeding;

namespace Herenow.Bench.Scenarios;

/// <summary>What the scenarios draw from: real places and tokens of seeded users.</summary>
public sealed record BenchData(PlaceCatalog Places, IReadOnlyList<(string Username, string Token)> Sessions)
{
    public string AnyToken(Random random) => Sessions[random.Next(Sessions.Count)].Token;
}
