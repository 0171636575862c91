using System.Text;
using Herenow.Grains.Federation.Http;
using Herenow.Grains.Federation.Signatures;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>POSTs a queued activity to its inbox, signed with its signer's key (RFC 9421 first, draft-cavage after a 401).</summary>
public sealed class SignedActivitySender(FederationClient client, ActorKeys keys, ApUrls urls) : IActivitySender
{
    public const string ActivityJson = "application/activity+json";

    public async Task<DeliveryOutcome> SendAsync(QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(delivery.Inbox, UriKind.Absolute, out var inbox))
        {
            return new DeliveryOutcome(DeliveryResult.Permanent, "not an absolute URL");
        }
        try
        {
            var pair = await keys.GetOrCreateAsync(delivery.Signer);
            var response = await client.SendAsync(HttpMethod.Post, inbox, Encoding.UTF8.GetBytes(delivery.Body), ActivityJson, ActivityJson,
                new SigningKey(urls.KeyId(delivery.Signer), pair.PrivatePem), cancellationToken);
            return DeliveryOutcome.FromStatus(response.Status, response.RetryAfter);
        }
        catch (RemoteRequestRefusedException refused)
        {
            // A private address or an oversized answer: asking again will not make it acceptable.
            return new DeliveryOutcome(DeliveryResult.Permanent, refused.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException or IOException)
        {
            return new DeliveryOutcome(DeliveryResult.Retry, e.GetType().Name + ": " + e.Message);
        }
    }
}
