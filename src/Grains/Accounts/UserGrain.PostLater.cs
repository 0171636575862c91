using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Accounts;

/// <summary>
/// Post later (the "check out" idea): a check-in can be held — for a delay, or until the author's next check-in —
/// before anyone else sees it. Its row is written and acknowledged at once (durable) with nothing in the outbox; the
/// release puts its create in the outbox, so feeds, the place, the global feed and federation all learn of it then and
/// not before. Reads hide it from everyone but the author meanwhile (CheckinRecord.IsPublished). A grain timer releases
/// on time while the grain is active; a reminder (only while a timed hold waits) brings it back after a restart.
/// </summary>
public sealed partial class UserGrain
{
    private const string PublishReminder = "publish";

    /// <summary>
    /// The timer for the next timed release, and the reminder while any timed hold waits. An activation that never
    /// registered the reminder does not look for one (most activations have nothing held): a leftover ticks once,
    /// finds nothing due and is dropped then.
    /// </summary>
    private DurableWakeUp Publishing => field ??= new(this, PublishReminder, _ => PublishDue()) { LooksForEarlierReminder = false };

    /// <summary>Publishes the check-ins held "until next" now, each with its create in the outbox.</summary>
    private async Task ReleaseUntilNext(AuthorCheckins summary, DateTimeOffset now)
    {
        foreach (var held in summary.Held.Where(h => h.PublishAt is null).ToList())
        {
            if (await GrainFactory.GetGrain<ICheckinGrain>(held.Id).Publish(now, OutboxDue(now)) is { } record)
            {
                AddPending(record.ToEvent());
            }
            summary.Held.Remove(held);
        }
        ScheduleFanout();
    }

    /// <summary>Releases the timed holds that are due, then fans them out.</summary>
    private async Task PublishDue()
    {
        var summary = await Mine();
        var now = clock.GetUtcNow();
        foreach (var held in summary.Held.Where(h => h.PublishAt is { } at && at <= now).ToList())
        {
            if (await GrainFactory.GetGrain<ICheckinGrain>(held.Id).Publish(held.PublishAt!.Value, OutboxDue(now)) is { } record)
            {
                AddPending(record.ToEvent());
            }
            summary.Held.Remove(held);
        }
        ScheduleFanout();
        await SchedulePublishingAsync(summary);
    }

    private void SchedulePublishing(AuthorCheckins summary) => SchedulePublishingAsync(summary).Ignore();

    /// <summary>A timer for the next timed release, and the reminder while any timed hold waits.</summary>
    private async Task SchedulePublishingAsync(AuthorCheckins summary)
    {
        Publishing.Stop();
        var next = summary.Held.Where(h => h.PublishAt is not null).Min(h => h.PublishAt);
        if (next is { } at)
        {
            var wait = at - clock.GetUtcNow();
            Publishing.Schedule(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
            await Publishing.EnsureReminderAsync();
        }
        else
        {
            await Publishing.IdleAsync(); // dropped once nothing timed waits
        }
    }
}
