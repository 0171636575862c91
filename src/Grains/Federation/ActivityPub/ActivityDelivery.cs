using System.Text.Json.Nodes;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Queues an activity for delivery and wakes the domains' delivery grains. Once this returns, the deliveries are
/// durable rows; waking is only to start them now (a lost wake is repaired by the next one or the caller's retry).
/// </summary>
public sealed class ActivityDelivery(DeliveryQueue queue, IGrainFactory grains)
{
    public async Task SendAsync(JsonObject activity, string signer, IEnumerable<string> inboxes)
    {
        var id = activity["id"]!.GetValue<string>();
        var domains = await queue.EnqueueAsync(id, OrderingKey(activity), signer, activity.ToJsonString(), inboxes);
        await Task.WhenAll(domains.Select(d => grains.GetGrain<IDomainDeliveryGrain>(d).Wake()));
    }

    /// <summary>
    /// What the activity acts on: an embedded object's id (the note of a Create or Delete, the Follow of an Undo or
    /// Accept), else the activity itself (a Follow of an actor). Create/Delete and Follow/Undo pairs share a key.
    /// </summary>
    public static string OrderingKey(JsonObject activity) =>
        activity["object"] is JsonObject { } inner && inner["id"] is JsonValue innerId && innerId.TryGetValue<string>(out var key)
            ? key
            : activity["id"]!.GetValue<string>();
}
