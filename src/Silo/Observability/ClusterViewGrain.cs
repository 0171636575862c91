using Herenow.Grains.Cluster;
using Orleans.Concurrency;

namespace Herenow.Silo.Observability;

/// <summary>
/// Answers from the silo it is activated on (a stateless worker is always local): that silo's membership snapshot
/// (status and version, as gossip left them) joined with the detailed rows the management grain reads from the
/// membership table (host, start time, last I-am-alive).
/// </summary>
[StatelessWorker(1)]
public sealed class ClusterViewGrain(IClusterMembershipService membership, ILocalSiloDetails local) : Grain, IClusterViewGrain
{
    public async Task<ClusterView> Get()
    {
        var snapshot = membership.CurrentSnapshot;
        var details = (await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false))
            .ToDictionary(e => e.SiloAddress);
        var silos = snapshot.Members.Values
            .OrderBy(m => m.SiloAddress.ToParsableString(), StringComparer.Ordinal)
            .Select(m =>
            {
                details.TryGetValue(m.SiloAddress, out var row);
                return new SiloView(m.SiloAddress.ToParsableString(), m.Name ?? row?.SiloName ?? "", row?.HostName ?? "",
                    m.Status.ToString(), Utc(row?.StartTime), Utc(row?.IAmAliveTime));
            })
            .ToList();
        return new ClusterView(snapshot.Version.Value, $"{local.Name} ({local.SiloAddress.ToParsableString()})", silos);
    }

    private static DateTimeOffset? Utc(DateTime? time) =>
        time is { } t && t > DateTime.MinValue ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
