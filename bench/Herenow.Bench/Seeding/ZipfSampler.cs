namespace Herenow.Bench.Seeding;

/// <summary>
/// Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s: a power law, so a few items get most of the
/// picks. Used for place popularity and for whom users follow (which yields a power-law follower distribution).
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] cumulative;

    public ZipfSampler(int n, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        cumulative = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += 1 / Math.Pow(i + 1, exponent);
            cumulative[i] = sum;
        }
        for (var i = 0; i < n; i++) cumulative[i] /= sum;
    }

    public int Next(Random random)
    {
        var index = Array.BinarySearch(cumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
    }
}
