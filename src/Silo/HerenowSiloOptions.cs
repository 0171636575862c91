namespace Herenow.Silo;

/// <summary>Where this silo listens and which cluster it joins. Bound from the "Herenow:Silo" section.</summary>
public sealed class HerenowSiloOptions
{
    public const string Section = "Herenow:Silo";

    /// <summary>Silo-to-silo port; give each silo on one host its own.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the API) connect to; give each silo on one host its own.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients use to reach this one.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Port of this silo's admin endpoint (Prometheus /metrics); 0 (the default) serves none.</summary>
    public int AdminPort { get; set; }

    /// <summary>Where the admin port listens: loopback by default, for a scraper on the same host or a sidecar.</summary>
    public string AdminAddress { get; set; } = "127.0.0.1";
}
