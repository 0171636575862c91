using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace Herenow.Grains;

/// <summary>
/// Which cluster silos and clients belong to ("Herenow:ClusterId"), and which service's durable data they share
/// ("Herenow:ServiceId"). Both default to "herenow"; tests give each cluster its own.
/// </summary>
public sealed record ClusterIdentity(string ClusterId, string ServiceId)
{
    public static ClusterIdentity From(IConfiguration configuration) => new(
        configuration["Herenow:ClusterId"] ?? "herenow",
        configuration["Herenow:ServiceId"] ?? "herenow");

    public void ApplyTo(ClusterOptions options)
    {
        options.ClusterId = ClusterId;
        options.ServiceId = ServiceId;
    }
}
