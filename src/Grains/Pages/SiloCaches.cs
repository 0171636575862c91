using Herenow.Grains.Feeds;

namespace Herenow.Grains.Pages;

/// <summary>
/// Pushes a change to every silo's page caches and waits for all of them: a delete, a like or a block is acknowledged
/// only once no silo can serve the old version (read-your-writes across silos, at one call per silo). A silo that
/// cannot be reached is skipped with its error logged by the caller: it is on its way out of the membership, and its
/// caches go with it.
/// </summary>
public sealed class SiloCaches(IGrainFactory grains, ActiveSilos silos)
{
    public async Task InvalidateAsync(CacheInvalidation change)
    {
        await Task.WhenAll(silos.Keys().Select(async silo =>
        {
            try
            {
                await grains.GetGrain<ISiloFeedsGrain>(silo).Invalidate(change);
            }
            catch (Exception e) when (e is not OutOfMemoryException && !silos.Keys().Contains(silo))
            {
                // It left while we called: nothing of it to invalidate.
            }
        }));
    }
}
