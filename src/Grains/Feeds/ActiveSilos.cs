namespace Herenow.Grains.Feeds;

/// <summary>The silos this one believes active (its membership view), as the keys of their <see cref="SiloFeedsGrain"/>.</summary>
public sealed class ActiveSilos(IClusterMembershipService membership)
{
    public IReadOnlyList<string> Keys() =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToList();
}
