using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Web;

/// <summary>
/// The web client's main journey in a real browser (Debian's chromium, headless, driven by web/tests/journey.mjs with
/// playwright-core) against the real API on a loopback port: sign up twice, follow through the UI, check in with a
/// photo, see it live on the follower's feed and as a marker on the profile map. Screenshots are kept in
/// artifacts/screenshots (or $HERENOW_ARTIFACTS).
/// </summary>
[Trait("Category", "Browser")]
public sealed class BrowserJourneyTests(BrowserJourneyTests.Host host, ITestOutputHelper output) : IClassFixture<BrowserJourneyTests.Host>
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>The web client is built before the API starts, so the API serves it.</summary>
    public sealed class Host : IAsyncLifetime
    {
        public FederatedApiHost Api { get; } = new();

        public async Task InitializeAsync()
        {
            await WebClientBuild.EnsureBuiltAsync();
            await Api.InitializeAsync();
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task A_new_user_checks_in_with_a_photo_and_the_follower_and_the_map_show_it()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (scripts/test.sh does).");
        var root = PeerScripts.RepoRoot();
        var artifacts = Environment.GetEnvironmentVariable("HERENOW_ARTIFACTS") is { Length: > 0 } given
            ? Path.GetFullPath(given)
            : Path.Combine(root, "artifacts", "screenshots");
        var photo = Path.Combine(Path.GetTempPath(), $"herenow-journey-{Guid.NewGuid():N}.jpg");
        using (var image = TestImages.Gradient(320, 240)) await File.WriteAllBytesAsync(photo, TestImages.Jpeg(image));
        try
        {
            var (exit, text) = await ScriptRunner.RunAsync("node", [Path.Combine(root, "web", "tests", "journey.mjs")], Path.Combine(root, "web"),
                new Dictionary<string, string>
                {
                    ["HERENOW_URL"] = host.Api.Origin.ToString().TrimEnd('/'),
                    ["HERENOW_PHOTO"] = photo,
                    ["HERENOW_ARTIFACTS"] = artifacts,
                    ["CHROMIUM"] = Chromium,
                },
                TimeSpan.FromMinutes(4));
            output.WriteLine(text);
            output.WriteLine($"screenshots in {artifacts}");
            Assert.True(exit == 0, $"the browser journey failed (exit {exit}); screenshots in {artifacts}:\n{text}");
            Assert.Contains("JOURNEY OK", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(photo);
        }
    }
}
