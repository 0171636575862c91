namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>Accept of our Follow: the edge is marked accepted (only the followed actor can accept it).</summary>
public sealed class AcceptHandler(RemoteGraph graph) : IActivityHandler
{
    public string Type => "Accept";

    public Task ApplyAsync(InboundActivity activity) => graph.AcceptFollowingAsync(activity.Json.IdOf("object") ?? "", activity.Actor.Id);
}
