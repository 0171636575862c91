using System.Text.Json.Nodes;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Queues an activity for delivery and wakes the domains' delivery grains. Once this returns, the deliveries are
/// durable rows; waking is only to start them now (a lost wake is repaired by the next one or the caller's retry).
/// </summary>
public sealed class Outbox(DeliveryQueue queue, IGrainFactory grains)
{
    public async Task SendAsync(JsonObject activity, string signer, IEnumerable<string> inboxes)
    {
        var id = activity["id"]!.GetValue<string>();
        var domains = await queue.EnqueueAsync(id, signer, activity.ToJsonString(), inboxes);
        await Task.WhenAll(domains.Select(d => grains.GetGrain<IDomainDeliveryGrain>(d).Wake()));
    }
}
