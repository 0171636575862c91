using System.Text.Json;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>A verified activity being applied: its id, the actor who signed it, and its JSON.</summary>
public sealed record InboundActivity(string Id, RemoteActor Actor, JsonElement Json);

/// <summary>
/// Applies one type of inbound activity (Mastodon's <c>ActivityPub::Activity::*</c>, GoToSocial's federatingdb). A
/// handler may run more than once for the same activity (a crash between applying and marking it applied), so every
/// handler is idempotent; one that throws is retried later with backoff.
/// </summary>
public interface IActivityHandler
{
    /// <summary>The activity type handled ("Follow", "Like", ...).</summary>
    string Type { get; }

    Task ApplyAsync(InboundActivity activity);
}
