using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Places a grain on the silo its key names (<c>SiloAddress.ToParsableString()</c>): one grain per silo that reaches
/// that silo's in-memory feeds. A key naming no live silo lands on the caller's silo, where it does no harm (deliveries
/// are idempotent).
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("herenow.silo-bound-placement")]
public sealed class SiloBoundPlacement : PlacementStrategy
{
    public static readonly SiloBoundPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloBoundPlacementAttribute() : PlacementAttribute(SiloBoundPlacement.Instance);

public sealed class SiloBoundPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.ToParsableString() == key)
            {
                return Task.FromResult(silo);
            }
        }
        return Task.FromResult(context.LocalSilo);
    }
}
