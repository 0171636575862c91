namespace Herenow.Grains.Cluster;

/// <summary>
/// The membership as one silo sees it: the gossip made visible to operators (GET /api/v1/admin/cluster). Each silo
/// keeps its own snapshot of the membership table, refreshed by gossip and by reading the table, so two silos can
/// briefly disagree; the answer names the silo it came from and the version of its snapshot.
/// </summary>
public interface IClusterViewGrain : IGrainWithIntegerKey
{
    Task<ClusterView> Get();
}

[GenerateSerializer, Alias("herenow.cluster-view")]
public sealed record ClusterView(
    [property: Id(0)] long MembershipVersion,
    [property: Id(1)] string AnsweredBy,
    [property: Id(2)] IReadOnlyList<SiloView> Silos);

[GenerateSerializer, Alias("herenow.silo-view")]
public sealed record SiloView(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Host,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset? StartedAt,
    [property: Id(5)] DateTimeOffset? LastIAmAlive);
