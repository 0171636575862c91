using System.Net;
using YamlDotNet.RepresentationModel;
using static Herenow.Tests.Deployment.RepoFiles;

namespace Herenow.Tests.Deployment;

/// <summary>
/// compose.yaml cannot be run here (no container engine), so what can be checked without one is: every file, setting
/// and secret it names exists, and the cluster it describes is consistent (docs/adr/0024-deployment.md).
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string[] Silos = ["silo1", "silo2", "silo3"];
    private static readonly string[] SiloPorts = ["Herenow__Silo__SiloPort", "Herenow__Silo__GatewayPort"];
    private readonly Dictionary<string, YamlNode> services = Entries(Get(Compose(), "services")!);

    private IEnumerable<(string Name, Dictionary<string, YamlNode> Service)> HerenowServices() =>
        services.Select(s => (s.Key, Entries(s.Value))).Where(s => s.Item2.ContainsKey("build"));

    [Fact]
    public void HasTheIssuesServices()
    {
        Assert.Equal(["api", "migrate", "postgres", .. Silos], services.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("postgres:15", Text(Get(services["postgres"], "image")!));
    }

    [Fact]
    public void BuildsFromDockerfilesThatExist()
    {
        foreach (var (name, service) in HerenowServices())
        {
            Assert.Equal(".", Text(Get(service["build"], "context")!));
            var dockerfile = Text(Get(service["build"], "dockerfile")!);
            Assert.True(Exists(dockerfile), $"{name}: {dockerfile} does not exist");
            // One image name per Dockerfile, so that migrate and the silos run the same build.
            Assert.Equal(dockerfile.Contains("Silo", StringComparison.Ordinal) ? "herenow-silo" : "herenow-api", Text(service["image"]));
        }
    }

    [Fact]
    public void EverySettingItPassesIsOneTheCodeReads()
    {
        foreach (var (name, service) in HerenowServices())
        {
            if (service.TryGetValue("environment", out var environment))
            {
                foreach (var key in Entries(environment).Keys)
                {
                    Assert.True(SettingsCatalog.Reads(SettingsCatalog.FromEnvironment(key)), $"{name}: {key} is read by no code");
                }
            }
            foreach (var target in SecretTargets(service))
            {
                Assert.True(SettingsCatalog.Reads(SettingsCatalog.FromEnvironment(target)), $"{name}: secret {target} is read by no code");
            }
        }
    }

    [Fact]
    public void EverySecretIsDefinedAndMadeByTheSecretsScript()
    {
        var defined = Entries(Get(Compose(), "secrets")!);
        var script = Read("scripts/deploy-secrets.sh");
        foreach (var (name, secret) in defined)
        {
            var file = Text(Get(secret, "file")!);
            Assert.StartsWith("./secrets/", file, StringComparison.Ordinal);
            Assert.Contains("$DIR/" + file["./secrets/".Length..], script, StringComparison.Ordinal);
        }
        foreach (var (name, service) in services.Select(s => (s.Key, Entries(s.Value))))
        {
            foreach (var source in SecretSources(service))
            {
                Assert.True(defined.ContainsKey(source), $"{name}: secret {source} is not defined");
            }
        }
        // The secrets key and the connection string must never be committed.
        Assert.Contains("secrets/", Read(".gitignore").Split('\n'));
        Assert.Contains("secrets/", Read(".dockerignore").Split('\n'));
    }

    [Fact]
    public void EachSiloAdvertisesItsOwnAddressAndPorts()
    {
        var subnet = IPNetwork.Parse(Text(((YamlSequenceNode)Get(Compose(), "networks", "cluster", "ipam", "config")!).Children[0]["subnet"]));
        var endpoints = new HashSet<string>();
        foreach (var silo in Silos)
        {
            var environment = Entries(Get(services[silo], "environment")!);
            // SiloHosting parses it with IPAddress.Parse and listens on it: an IP literal, this container's own.
            var advertised = IPAddress.Parse(Text(environment["Herenow__Silo__AdvertisedAddress"]));
            Assert.Equal(advertised, IPAddress.Parse(Text(Get(services[silo], "networks", "cluster", "ipv4_address")!)));
            Assert.True(subnet.Contains(advertised), $"{silo}: {advertised} is outside {subnet}");
            foreach (var port in SiloPorts)
            {
                Assert.True(endpoints.Add(Text(environment[port])), $"{silo}: port {Text(environment[port])} is used twice");
            }
            Assert.True(endpoints.Add(advertised.ToString()), $"{silo}: {advertised} is used twice");
        }
        foreach (var proxy in ((YamlMappingNode)Get(services["api"], "environment")!).Children
                     .Where(e => Text(e.Key).StartsWith("Herenow__ForwardedHeaders__KnownProxies", StringComparison.Ordinal)))
        {
            Assert.True(subnet.Contains(IPAddress.Parse(Text(proxy.Value))), "the trusted proxy is outside the network");
        }
    }

    [Fact]
    public void MigrationsRunOnceBeforeAnySiloOrTheApi()
    {
        Assert.Equal(["migrate"], ((YamlSequenceNode)Get(services["migrate"], "command")!).Children.Select(Text));
        Assert.Contains("\"migrate\"", Read("src/Silo/Program.cs"), StringComparison.Ordinal);
        Assert.Equal("service_healthy", Text(Get(services["migrate"], "depends_on", "postgres", "condition")!));
        Assert.NotNull(Get(services["postgres"], "healthcheck"));
        foreach (var dependent in Silos.Append("api"))
        {
            Assert.Equal("service_completed_successfully", Text(Get(services[dependent], "depends_on", "migrate", "condition")!));
        }
    }

    [Fact]
    public void SilosAreGivenTimeToLeaveTheCluster()
    {
        // SiloHosting allows a graceful shutdown 30 s; docker stop must not kill the silo before.
        Assert.Contains("ShutdownTimeout = TimeSpan.FromSeconds(30)", Read("src/Silo/SiloHosting.cs"), StringComparison.Ordinal);
        foreach (var silo in Silos)
        {
            var grace = Text(Get(services[silo], "stop_grace_period")!);
            Assert.True(int.Parse(grace.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture) > 30, $"{silo}: {grace}");
        }
    }

    [Fact]
    public void TheApiIsPublishedOnItsImagesPortOnLoopbackOnly()
    {
        var port = Dockerfile.Parse("src/Api/Dockerfile").Environment["ASPNETCORE_HTTP_PORTS"];
        var published = ((YamlSequenceNode)Get(services["api"], "ports")!).Children.Select(Text).ToList();
        Assert.Equal([$"127.0.0.1:{port}:{port}"], published);
    }

    [Fact]
    public void SilosAndTheApiAgreeOnThePublicUrlAndTheCluster()
    {
        string[] shared = ["Herenow__Federation__PublicUrl", "Herenow__ClusterId", "Herenow__ServiceId", "Herenow__Media__BaseUrl"];
        var expected = Entries(Get(services["api"], "environment")!);
        foreach (var silo in Silos)
        {
            var environment = Entries(Get(services[silo], "environment")!);
            Assert.All(shared, key => Assert.Equal(Text(expected[key]), Text(environment[key])));
        }
    }

    private static IEnumerable<string> SecretTargets(Dictionary<string, YamlNode> service) =>
        service.TryGetValue("secrets", out var secrets)
            ? ((YamlSequenceNode)secrets).Children.OfType<YamlMappingNode>().Select(s => Text(s["target"]))
            : [];

    private static IEnumerable<string> SecretSources(Dictionary<string, YamlNode> service) =>
        service.TryGetValue("secrets", out var secrets)
            ? ((YamlSequenceNode)secrets).Children.Select(s => s is YamlScalarNode name ? name.Value! : Text(s["source"]))
            : [];
}
