namespace Herenow.Api.Cluster;

/// <summary>
/// Keeps trying to reach the cluster when the API starts before any silo is up. Exponential backoff with full
/// jitter (a random wait between 0 and min(cap, base·2^attempt)) so that many API processes restarted together do
/// not hammer the membership table and gateways in lock-step.
/// </summary>
public sealed class ClusterConnectionRetryFilter(ILogger<ClusterConnectionRetryFilter> logger) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private int attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)));
        var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
        attempt++;
        logger.LogWarning("Cluster not reachable yet (attempt {Attempt}: {Error}); retrying in {Delay} ms",
            attempt, exception.Message, (int)delay.TotalMilliseconds);
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return true;
    }
}
