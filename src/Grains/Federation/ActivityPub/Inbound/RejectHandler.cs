namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>Reject of our Follow: the edge goes (only the followed actor can reject it).</summary>
public sealed class RejectHandler(RemoteGraph graph) : IActivityHandler
{
    public string Type => "Reject";

    public Task ApplyAsync(InboundActivity activity) => graph.RejectFollowingAsync(activity.Json.IdOf("object") ?? "", activity.Actor.Id);
}
