using System.Net;

namespace Herenow.Grains.Federation.ActivityPub;

public enum DeliveryResult
{
    Delivered = 0,
    /// <summary>Worth trying again later: a network error, a timeout, 5xx, 401, 408, 429.</summary>
    Retry = 1,
    /// <summary>The server answered, and retrying will not change the answer (404, 410, most 4xx; refused address).</summary>
    Permanent = 2,
}

public sealed record DeliveryOutcome(DeliveryResult Result, string Detail, TimeSpan? RetryAfter = null)
{
    /// <summary>Mastodon's rule: 2xx delivered; 4xx other than 401, 408 and 429 (and 501) unsalvageable; the rest retried.</summary>
    public static DeliveryOutcome FromStatus(HttpStatusCode status, TimeSpan? retryAfter)
    {
        var code = (int)status;
        return code switch
        {
            >= 200 and < 300 => new(DeliveryResult.Delivered, code.ToString()),
            501 => new(DeliveryResult.Permanent, "501 Not Implemented"),
            401 or 408 or 429 => new(DeliveryResult.Retry, $"HTTP {code}", retryAfter),
            >= 400 and < 500 => new(DeliveryResult.Permanent, $"HTTP {code}"),
            _ => new(DeliveryResult.Retry, $"HTTP {code}", retryAfter),
        };
    }
}

/// <summary>Sends one queued delivery (signed by its signer's key) and says how it went. Never throws for remote failures.</summary>
public interface IActivitySender
{
    Task<DeliveryOutcome> SendAsync(QueuedDelivery delivery, CancellationToken cancellationToken);
}
