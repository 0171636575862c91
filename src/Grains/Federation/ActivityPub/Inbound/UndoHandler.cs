namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>Undo of a Follow (embedded, or named by id) or of a Like; anything else is ignored.</summary>
public sealed class UndoHandler(RemoteGraph graph, LikeHandler likes, ApUrls urls) : IActivityHandler
{
    public string Type => "Undo";

    public async Task ApplyAsync(InboundActivity activity)
    {
        var inner = activity.Json.FirstObject("object");
        var innerType = inner?.Type();
        if (innerType == "Follow" || inner is null)
        {
            // An embedded Follow names its target; a bare id is looked up among this actor's follows.
            var target = inner is { } follow ? urls.UsernameOf(follow.IdOf("object")) : null;
            await graph.RemoveFollowerAsync(target, activity.Actor.Id, inner?.Text("id") ?? activity.Json.IdOf("object"));
        }
        else if (innerType == "Like")
        {
            await likes.SetAsync(activity.Actor, inner.Value.IdOf("object"), liked: false);
        }
    }
}
