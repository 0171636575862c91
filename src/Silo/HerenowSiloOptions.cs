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
}
