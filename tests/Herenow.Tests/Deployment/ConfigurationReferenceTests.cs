using System.Text.RegularExpressions;
using static Herenow.Tests.Deployment.RepoFiles;

namespace Herenow.Tests.Deployment;

/// <summary>
/// docs/operations.md is the configuration reference: it lists every key the code reads, and names none it does not.
/// README.md's short table is held to the second half.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    [Fact]
    public void OperationsListsEveryKeyTheCodeReads()
    {
        var documented = Keys(Read("docs/operations.md")).ToHashSet(StringComparer.Ordinal);
        var missing = SettingsCatalog.HerenowKeys().Where(k => !documented.Contains(k)).ToList();
        Assert.True(missing.Count == 0, "docs/operations.md does not list: " + string.Join(", ", missing));
        Assert.Contains("Herenow:Membership:<property>", documented);
    }

    [Theory]
    [InlineData("docs/operations.md")]
    [InlineData("README.md")]
    public void NamesNoKeyTheCodeDoesNotRead(string document)
    {
        var unknown = Keys(Read(document)).Where(k => !SettingsCatalog.Reads(k)).Distinct().ToList();
        Assert.True(unknown.Count == 0, $"{document} names keys no code reads: " + string.Join(", ", unknown));
    }

    /// <summary>Keys in backticks, as configuration keys or environment variables (<c>Herenow__A__B</c>).</summary>
    private static IEnumerable<string> Keys(string markdown) =>
        KeyPattern().Matches(markdown).Select(m => SettingsCatalog.FromEnvironment(m.Groups[1].Value));

    [GeneratedRegex(@"`(HERENOW_POSTGRES|Herenow(?:(?::|__)(?:[A-Za-z0-9]+|<[^>`]+>))+)`")]
    private static partial Regex KeyPattern();
}
