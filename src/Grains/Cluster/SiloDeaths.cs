using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herenow.Grains.Cluster;

/// <summary>
/// A logical clock of failures: counts the silos this silo has seen declared dead in the membership table. Grains
/// that hand work to other silos' memory (a fan-out's stream queues) read it before and
/// after: if it moved, a silo died in between and may have taken that work with it, so the work is sent again.
/// A silo that left gracefully counts too (it cannot be told apart in time); the cost is a harmless repeat.
/// </summary>
public sealed partial class SiloDeaths(IClusterMembershipService membership, ILogger<SiloDeaths> logger) : BackgroundService
{
    private long epoch;

    /// <summary>How many silo deaths this silo has observed since it started.</summary>
    public long Epoch => Interlocked.Read(ref epoch);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<SiloAddress>? dead = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var nowDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
                // The first snapshot is the baseline: deaths from before this silo started are nobody's concern here.
                foreach (var silo in dead is null ? [] : nowDead.Except(dead))
                {
                    Interlocked.Increment(ref epoch);
                    LogDeath(logger, silo, Epoch);
                }
                dead = nowDead;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} was declared dead (failure epoch {Epoch}): in-flight fan-outs will be sent again")]
    private static partial void LogDeath(ILogger logger, SiloAddress silo, long epoch);
}
