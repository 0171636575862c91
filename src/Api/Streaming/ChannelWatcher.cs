using Herenow.Grains.Checkins;
using Herenow.Grains.Feeds;

namespace Herenow.Api.Streaming;

/// <summary>
/// The grain observer of one SSE connection. It only hands each event to the connection's bounded channel
/// (through <paramref name="onNext"/>), so the grain's one-way notification is never held up by the client.
/// </summary>
internal sealed class ChannelWatcher(Action<CheckinEvent> onNext) : ITimelineWatcher
{
    public Task OnCheckin(CheckinEvent checkin)
    {
        onNext(checkin);
        return Task.CompletedTask;
    }
}
