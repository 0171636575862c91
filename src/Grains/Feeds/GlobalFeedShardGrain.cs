using Herenow.Grains.Checkins;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Herenow.Grains.Feeds;

[ImplicitStreamSubscription(FeedStreams.Global)]
public sealed class GlobalFeedShardGrain(ILogger<GlobalFeedShardGrain> logger) : Grain, IGlobalFeedShardGrain
{
    private readonly TimelineWatchers watchers = new(logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(Streams.StreamNames.Provider)
            .GetStream<FeedBatch>(StreamId.Create(FeedStreams.Global, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((batch, _) =>
        {
            foreach (var checkin in batch.Events)
            {
                watchers.Notify(checkin);
            }
            return Task.CompletedTask;
        });
    }

    public Task Watch(ITimelineWatcher watcher)
    {
        watchers.Watch(watcher);
        return Task.CompletedTask;
    }

    public Task Unwatch(ITimelineWatcher watcher)
    {
        watchers.Unwatch(watcher);
        return Task.CompletedTask;
    }

    public Task<int> WatcherCount() => Task.FromResult(watchers.Live());
}
