using Orleans.Concurrency;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>
/// Applies one remote actor's received activities (key: the actor's id, the verified signer). Keyed by actor, not by
/// the receiving local user: a shared-inbox delivery has no single recipient, and one actor's activities (Follow then
/// Undo, Create then Delete) must apply in the order they arrived, which one activation per actor gives for free,
/// while different actors proceed in parallel and a failing one holds back only itself.
/// </summary>
public interface IInboxGrain : IGrainWithStringKey
{
    /// <summary>New rows were recorded (or may be waiting): apply what is due. One-way: the inbox POST does not wait.</summary>
    [OneWay, AlwaysInterleave]
    Task Wake();
}
