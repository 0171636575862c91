using Herenow.Api.Admin;
using Herenow.Grains.Observability;
using Microsoft.Extensions.Configuration;

namespace Herenow.Tests.Observability;

/// <summary>How the operator's settings are read: the OTLP endpoint and the admin list.</summary>
public sealed class TelemetrySettingsTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void The_otlp_endpoint_comes_from_herenows_key_before_the_standard_variable()
    {
        Assert.Equal(new Uri("http://collector:4317"), TelemetrySetup.OtlpEndpoint(Config(
            (TelemetrySetup.OtlpEndpointKey, "http://collector:4317"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4317"))));
        Assert.Equal(new Uri("http://other:4317"), TelemetrySetup.OtlpEndpoint(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4317"))));
        Assert.Null(TelemetrySetup.OtlpEndpoint(Config((TelemetrySetup.OtlpEndpointKey, "not a url"))));
    }

    [Fact]
    public void Admins_are_a_list_or_one_comma_separated_value()
    {
        Assert.Equal(["alice", "bob"], AdminAuthorization.Admins(Config(($"{AdminAuthorization.UsernamesKey}:0", "alice"), ($"{AdminAuthorization.UsernamesKey}:1", "bob"))).Order());
        Assert.Equal(["alice", "bob"], AdminAuthorization.Admins(Config((AdminAuthorization.UsernamesKey, " alice, bob ,"))).Order());
        Assert.Empty(AdminAuthorization.Admins(Config()));
        Assert.Contains("ALICE", AdminAuthorization.Admins(Config((AdminAuthorization.UsernamesKey, "alice"))));
    }
}
