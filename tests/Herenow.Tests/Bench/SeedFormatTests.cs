using System.Text.RegularExpressions;
using Herenow.Bench.Seeding;

namespace Herenow.Tests.Bench;

/// <summary>bench/lib/service.sh names the data directory after the seed format the harness seeds: the two must agree.</summary>
public sealed partial class SeedFormatTests
{
    [Fact]
    public void The_scripts_seed_format_is_the_harness_seed_format()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var script = File.ReadAllText(Path.Combine(dir.FullName, "bench", "lib", "service.sh"));

        var match = SeedFormat().Match(script);

        Assert.True(match.Success, "SEED_FORMAT=<n> not found in bench/lib/service.sh");
        Assert.Equal(SeedPlan.Format, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("DATA_DIR=${DATA_DIR:-.data/bench-seed$SEED_FORMAT}", script, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^SEED_FORMAT=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex SeedFormat();
}
