using Herenow.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Herenow.Tests.Cluster;

/// <summary>The membership values a silo runs with (ADR 0014; measured by bench/failure-detection.sh).</summary>
public sealed class FailureDetectionTests
{
    [Fact]
    public void Without_configuration_a_silo_runs_Herenows_values_and_Orleans_defaults_for_the_rest()
    {
        var options = Configure(new());
        var orleans = new ClusterMembershipOptions();

        Assert.Equal(TimeSpan.FromSeconds(8), options.MaxProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.TableRefreshTimeout);
        Assert.Equal(orleans.ProbeTimeout, options.ProbeTimeout);
        Assert.Equal(orleans.MinProbeTimeout, options.MinProbeTimeout);
        Assert.Equal(orleans.NumMissedProbesLimit, options.NumMissedProbesLimit);
        Assert.Equal(orleans.NumVotesForDeathDeclaration, options.NumVotesForDeathDeclaration);
        Assert.True(options.EnableIndirectProbes);
        Assert.True(options.EnableConnectionLivenessCheck);
        Assert.True(options.ExtendProbeTimeoutDuringDegradation);
    }

    [Fact]
    public void OrleansDefaults_keeps_every_value_of_Orleans()
    {
        var options = Configure(new() { ["Herenow:Membership:OrleansDefaults"] = "true" });

        Assert.Equal(MembershipSettings.Describe(new ClusterMembershipOptions()), MembershipSettings.Describe(options));
    }

    [Fact]
    public void Configuration_sets_any_property_over_Herenows_values()
    {
        var options = Configure(new()
        {
            ["Herenow:Membership:MaxProbeTimeout"] = "00:00:12",
            ["Herenow:Membership:NumMissedProbesLimit"] = "4",
            ["Herenow:Membership:EnableConnectionLivenessCheck"] = "false",
        });

        Assert.Equal(TimeSpan.FromSeconds(12), options.MaxProbeTimeout);
        Assert.Equal(4, options.NumMissedProbesLimit);
        Assert.False(options.EnableConnectionLivenessCheck);
        Assert.Equal(TimeSpan.FromSeconds(15), options.TableRefreshTimeout);
    }

    [Fact]
    public void A_probe_timeout_whose_minimum_exceeds_the_maximum_is_refused_with_a_clear_message()
    {
        // ProbeTimeout 30 s makes the minimum 15 s, above Herenow's 8 s maximum.
        var e = Assert.Throws<InvalidOperationException>(() => Configure(new() { ["Herenow:Membership:ProbeTimeout"] = "00:00:30" }));
        Assert.Contains("MaxProbeTimeout", e.Message);
    }

    [Fact]
    public void The_silo_host_applies_them()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Herenow:Membership:NumVotesForDeathDeclaration"] = "3" });
        builder.AddHerenowSilo("Host=127.0.0.1;Database=unused");
        using var host = builder.Build(); // never started: nothing connects

        var options = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(8), options.MaxProbeTimeout);
        Assert.Equal(3, options.NumVotesForDeathDeclaration);
    }

    private static ClusterMembershipOptions Configure(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new ClusterMembershipOptions();
        MembershipSettings.Configure(options, configuration);
        return options;
    }
}
