using System.Xml.Linq;
using static Herenow.Tests.Deployment.RepoFiles;

namespace Herenow.Tests.Deployment;

/// <summary>
/// The images cannot be built here (no container engine): these check that everything the Dockerfiles name exists
/// and fits the projects, and scripts/check-deploy.sh runs their dotnet steps (docs/adr/0024-deployment.md).
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "src/Silo/Dockerfile", "src/Silo/Herenow.Silo.csproj" },
        { "src/Api/Dockerfile", "src/Api/Herenow.Api.csproj" },
    };

    private static readonly string[] NeverInTheBuildContext = ["**/bin/", "**/obj/", ".data/", "secrets/", ".git/"];

    /// <summary>Files at the root that change how every project builds or restores.</summary>
    private static readonly string[] BuildFiles = ["Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config"];

    [Theory]
    [MemberData(nameof(Images))]
    public void EveryCopiedPathExists(string dockerfile, string _)
    {
        foreach (var (sources, _) in Dockerfile.Parse(dockerfile).ContextCopies)
        {
            foreach (var source in sources)
            {
                Assert.True(Exists(source),
                    $"{dockerfile} copies {source}, which does not exist");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void CopiesEveryProjectTheExecutableReferencesAndTheBuildProps(string dockerfile, string project)
    {
        var copied = Dockerfile.Parse(dockerfile).ContextCopies.SelectMany(c => c.Sources).ToHashSet();
        foreach (var referenced in ProjectClosure(project))
        {
            // The project file alone first (restore layer), then its directory.
            Assert.Contains(referenced, copied);
            Assert.Contains(Path.GetDirectoryName(referenced)!.Replace('\\', '/') + "/", copied);
        }
        foreach (var buildFile in BuildFiles)
        {
            Assert.True(!Exists(buildFile) || copied.Contains(buildFile), $"{dockerfile} does not copy {buildFile}, which changes the build");
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void RestoresAndPublishesTheProjectInRelease(string dockerfile, string project)
    {
        var runs = Dockerfile.Parse(dockerfile).All("RUN").ToList();
        Assert.Contains($"dotnet restore {project}", runs);
        Assert.Contains($"dotnet publish {project} -c Release --no-restore -o /app", runs);
        // scripts/check-deploy.sh replays this file's build stages, these lines included.
        Assert.Contains($"replay {dockerfile} ", Read("scripts/check-deploy.sh"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void RunsThePublishedAssemblyThroughTheEntrypointAsTheUnprivilegedUser(string dockerfile, string project)
    {
        var file = Dockerfile.Parse(dockerfile);
        var assembly = XDocument.Load(PathOf(project)).Descendants("AssemblyName").FirstOrDefault()?.Value
                       ?? Path.GetFileNameWithoutExtension(project);
        Assert.Equal(["herenow-entrypoint", "dotnet", $"/app/{assembly}.dll"], Dockerfile.ExecForm(file.All("ENTRYPOINT").Single()));
        Assert.Contains("--chmod=0755 scripts/container-entrypoint.sh /usr/local/bin/herenow-entrypoint", file.All("COPY"));
        Assert.Equal("$APP_UID", file.All("USER").Single());
        var healthcheck = file.All("HEALTHCHECK").Single();
        Dockerfile.ExecForm(healthcheck[healthcheck.IndexOf("CMD ", StringComparison.Ordinal)..][4..]);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void RuntimeImageHasTheFrameworkTheProjectNeeds(string dockerfile, string project)
    {
        var csproj = XDocument.Load(PathOf(project));
        var needsAspNet = (string?)csproj.Root!.Attribute("Sdk") == "Microsoft.NET.Sdk.Web"
                          || csproj.Descendants("FrameworkReference").Any(f => (string?)f.Attribute("Include") == "Microsoft.AspNetCore.App");
        var images = Dockerfile.Parse(dockerfile).BaseImages;
        Assert.Equal(needsAspNet ? "mcr.microsoft.com/dotnet/aspnet:10.0" : "mcr.microsoft.com/dotnet/runtime:10.0", images[^1]);
        Assert.Contains("mcr.microsoft.com/dotnet/sdk:10.0", images);
        // The SDK image and the projects' target framework move together.
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", Read("Directory.Build.props"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheApiImageBuildsTheWebClientBeforePublishing()
    {
        var file = Dockerfile.Parse("src/Api/Dockerfile");
        var runs = file.All("RUN").ToList();
        Assert.True(runs.IndexOf("scripts/web.sh build") >= 0, "the web client is not built");
        Assert.Contains("--from=web /src/src/Api/wwwroot/ src/Api/wwwroot/", file.All("COPY"));
        // The host's own wwwroot/ must not reach the build context and shadow the one built in the image.
        Assert.Contains("src/Api/wwwroot/", Read(".dockerignore").Split('\n'));
    }

    [Fact]
    public void TheBuildContextLeavesOutBuildOutputsAndLocalData()
    {
        var ignored = Read(".dockerignore").Split('\n');
        Assert.All(NeverInTheBuildContext, entry => Assert.Contains(entry, ignored));
    }

    private static List<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var queue = new Queue<string>([project]);
        while (queue.TryDequeue(out var current))
        {
            if (seen.Contains(current))
            {
                continue;
            }
            seen.Add(current);
            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(PathOf(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(PathOf(directory), (string)reference.Attribute("Include")!));
                queue.Enqueue(Path.GetRelativePath(Root, full).Replace('\\', '/'));
            }
        }
        return seen;
    }
}
