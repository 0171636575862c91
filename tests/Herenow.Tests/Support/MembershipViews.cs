using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Support;

/// <summary>What each silo believes the cluster is: its own <see cref="IClusterMembershipService"/> snapshot.</summary>
public static class MembershipViews
{
    public static SiloAddress AddressOf(IServiceProvider silo) => silo.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    /// <summary>The silos this silo currently lists as Active.</summary>
    public static HashSet<SiloAddress> ActiveSilosSeenBy(IServiceProvider silo) =>
        silo.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress)
            .ToHashSet();

    /// <summary>Whether every given silo lists exactly the given silos as Active.</summary>
    public static bool Agree(IReadOnlyCollection<IServiceProvider> silos)
    {
        var running = silos.Select(AddressOf).ToHashSet();
        return silos.All(silo => ActiveSilosSeenBy(silo).SetEquals(running));
    }

    /// <summary>
    /// Polls every silo's view (every 10 ms) until they all list exactly these silos as Active, or until
    /// <paramref name="giveUpAfter"/>; returns the time that took (at least <paramref name="giveUpAfter"/> if they never agreed).
    /// </summary>
    public static async Task<TimeSpan> TimeUntilAgreementAsync(IReadOnlyCollection<IServiceProvider> silos, TimeSpan giveUpAfter)
    {
        var watch = Stopwatch.StartNew();
        while (!Agree(silos))
        {
            if (watch.Elapsed >= giveUpAfter)
            {
                return watch.Elapsed;
            }
            await Task.Delay(10);
        }
        return watch.Elapsed;
    }

    /// <summary>One line per silo: its address and the Active silos it lists, for failure messages.</summary>
    public static string Describe(IEnumerable<IServiceProvider> silos) =>
        string.Join("; ", silos.Select(silo =>
            $"{AddressOf(silo)} sees [{string.Join(", ", ActiveSilosSeenBy(silo).Select(a => a.ToString()).Order())}]"));
}
