using Herenow.Grains.Accounts;
using Orleans.Serialization.TypeSystem;

namespace Herenow.Tests.Support;

/// <summary>Which silo hosts which user grain, as the silos themselves report it through the management grain.</summary>
public static class GrainLocations
{
    // The type name SiloControl matches activations against (RuntimeTypeNameFormatter.Format of the grain class).
    private static readonly string[] UserGrainType = [RuntimeTypeNameFormatter.Format(typeof(UserGrain))];

    /// <summary>
    /// The activated user grains of each active silo (a silo with none is listed with an empty list).
    /// </summary>
    /// <remarks>
    /// Built from <see cref="IManagementGrain.GetDetailedGrainStatistics"/>, which walks each silo's own activation
    /// directory and names every grain, so a test can tell which grains lived on a silo it is about to stop.
    /// </remarks>
    public static async Task<Dictionary<SiloAddress, List<GrainId>>> UserGrainsBySiloAsync(IGrainFactory grains)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        var activations = await management.GetDetailedGrainStatistics(UserGrainType, silos);
        return silos.ToDictionary(
            silo => silo,
            silo => activations.Where(a => a.SiloAddress.Equals(silo)).Select(a => a.GrainId).ToList());
    }

    public static GrainId UserGrainId(IGrainFactory grains, string username) =>
        grains.GetGrain<IUserGrain>(username).GetGrainId();

    /// <summary>"silo: count" pairs, for the test output.</summary>
    public static string Describe(Dictionary<SiloAddress, List<GrainId>> bySilo) =>
        string.Join(", ", bySilo.OrderBy(p => p.Key.ToString()).Select(p => $"{p.Key}: {p.Value.Count}"));
}
