using Herenow.Grains;
using Microsoft.Extensions.Configuration;

namespace Herenow.Tests.Deployment;

public sealed class SettingsCatalogTests
{
    [Fact]
    public void ClusterIdentityReadsItsKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herenow:ClusterId"] = "c1",
            ["Herenow:ServiceId"] = "s1",
        }).Build();
        Assert.Equal(new ClusterIdentity("c1", "s1"), ClusterIdentity.From(configuration));
    }

    [Theory]
    [InlineData("Herenow:Silo:AdvertisedAddress", true)]
    [InlineData("herenow:silo:gatewayport", true)]
    [InlineData("Herenow:RateLimits:Login:Lockout", true)]
    [InlineData("Herenow:ForwardedHeaders:KnownProxies:0", true)]
    [InlineData("Herenow:ForwardedHeaders:KnownProxies", true)]
    [InlineData("Herenow:Membership:ProbeTimeout", true)]
    [InlineData("Herenow:Membership:<property>", true)]
    [InlineData("Herenow:Membership:OrleansDefaults", true)]
    [InlineData("HERENOW_POSTGRES", true)]
    [InlineData("Herenow:Silo:ListenAddress", false)]
    [InlineData("Herenow:RateLimits:Writes", false)]
    [InlineData("Herenow:Federation:Host", false)] // computed, not settable
    [InlineData("Herenow:ForwardedHeaders:KnownProxies:first", false)]
    [InlineData("Herenow:Nothing", false)]
    public void Reads(string key, bool expected) => Assert.Equal(expected, SettingsCatalog.Reads(key));

    [Fact]
    public void HerenowKeysResolve()
    {
        var keys = SettingsCatalog.HerenowKeys().ToList();
        Assert.Contains("Herenow:RateLimits:Writes:TokenLimit", keys);
        Assert.Contains("Herenow:ForwardedHeaders:KnownNetworks", keys);
        Assert.DoesNotContain("Herenow:ForwardedHeaders:Enabled", keys);
        Assert.All(keys, k => Assert.True(SettingsCatalog.Reads(k), k));
    }
}
