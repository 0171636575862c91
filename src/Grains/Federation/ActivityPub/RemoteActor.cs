namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>A remote actor as cached in <c>ap_actors</c>: where to deliver to it and which key verifies it.</summary>
[GenerateSerializer, Alias("herenow.remote-actor")]
public sealed record RemoteActor(
    [property: Id(0)] string Id,
    [property: Id(1)] string Handle,
    [property: Id(2)] string Inbox,
    [property: Id(3)] string? SharedInbox,
    [property: Id(4)] string? KeyId,
    [property: Id(5)] string? PublicKeyPem,
    [property: Id(6)] string? DisplayName,
    [property: Id(7)] string? Url)
{
    /// <summary>One delivery per shared inbox: every follower on a server that has one shares it.</summary>
    public string DeliveryInbox => SharedInbox ?? Inbox;
}
