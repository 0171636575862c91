using Herenow.Api.Checkins;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Api.Streaming;

/// <summary>
/// What one SSE connection listens to and how it decides what the viewer may see. Every decision goes through
/// <see cref="CheckinResponses"/> at send time, so a change of follows or blocks applies to the very next event.
/// </summary>
/// <param name="Timelines">The timeline grains (home feed, or every global shard) this connection watches.</param>
/// <param name="Visible">The subset of entries the viewer may see now, as full check-ins, in the given order.</param>
/// <param name="MaySee">Whether the viewer may learn about this entry (used for deletes, whose record is gone).</param>
/// <param name="Page">A page of this feed (newest first), used to replay what came after Last-Event-ID.</param>
public sealed record LiveFeed(
    IReadOnlyList<IWatchableTimeline> Timelines,
    Func<IReadOnlyList<CheckinEntry>, Task<List<CheckinResponse>>> Visible,
    Func<CheckinEntry, Task<bool>> MaySee,
    Func<PageQuery, Task<List<CheckinEntry>>> Page);
