namespace Herenow.Bench.Scenarios;

/// <summary>A weighted mix of scenarios (e.g. mostly feed reads, some check-ins), picked at random per request.</summary>
public sealed class ScenarioMix(IReadOnlyList<(Scenario Scenario, double Weight)> parts)
{
    private readonly double total = parts.Sum(p => p.Weight);

    public string Describe => string.Join(", ", parts.Select(p => FormattableString.Invariant($"{p.Weight / total:P0} {p.Scenario.Name}")));

    public Scenario Pick(Random random)
    {
        var x = random.NextDouble() * total;
        foreach (var (scenario, weight) in parts)
        {
            if ((x -= weight) < 0) return scenario;
        }
        return parts[^1].Scenario;
    }
}
