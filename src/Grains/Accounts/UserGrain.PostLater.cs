using Herenow.Grains.Checkins;

namespace Herenow.Grains.Accounts;

/// <summary>
/// Post later (the "check out" idea): a check-in can be held — for a delay, or until the author's next check-in —
/// before anyone else sees it. It is written and acknowledged at once (durable), kept in <see cref="UserState.Held"/>,
/// and enters the fan-out outbox only when released, so feeds, the place, the global feed and federation all learn
/// of it then and not before. Reads hide it from everyone but the author meanwhile (CheckinRecord.IsPublished).
/// A grain timer releases on time while the grain is active; a reminder brings it back after a restart.
/// </summary>
public sealed partial class UserGrain
{
    private const string PublishReminder = "publish";
    private IGrainTimer? publishTimer;
    // Whether the publish reminder is registered; null until this activation knows (a read only when needed).
    private bool? publishReminderActive;

    /// <summary>Marks the check-ins held "until next" as published now; the caller writes state and fans them out.</summary>
    private async Task<Dictionary<string, CheckinRecord>> ReleaseUntilNext(DateTimeOffset now)
    {
        var released = new Dictionary<string, CheckinRecord>(StringComparer.Ordinal);
        foreach (var held in state.State.Held.Where(h => h.PublishAt is null).ToList())
        {
            if (await GrainFactory.GetGrain<ICheckinGrain>(held.CheckinId).Publish(now) is { } record)
            {
                released[held.CheckinId] = record;
            }
        }
        return released;
    }

    /// <summary>Releases the timed holds that are due: one state write for all of them, then the fan-out.</summary>
    private async Task PublishDue()
    {
        var now = clock.GetUtcNow();
        var due = state.State.Held.Where(h => h.PublishAt is { } at && at <= now).ToList();
        if (due.Count > 0)
        {
            foreach (var held in due)
            {
                if (await GrainFactory.GetGrain<ICheckinGrain>(held.CheckinId).Publish(held.PublishAt!.Value) is { } record)
                {
                    state.State.PendingFanout.Add(record.ToEvent());
                }
                state.State.Held.Remove(held);
            }
            await EnsureFanoutReminder();
            await state.WriteStateAsync();
            ScheduleFanout();
        }
        await SchedulePublishingAsync();
    }

    private void SchedulePublishing() => SchedulePublishingAsync().Ignore();

    /// <summary>A timer for the next timed release, and the reminder while any timed hold waits.</summary>
    private async Task SchedulePublishingAsync()
    {
        publishTimer?.Dispose();
        publishTimer = null;
        var next = state.State.Held.Where(h => h.PublishAt is not null).Min(h => h.PublishAt);
        if (next is { } at)
        {
            var wait = at - clock.GetUtcNow();
            publishTimer = this.RegisterGrainTimer(PublishDue, wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
            if (publishReminderActive != true)
            {
                await this.RegisterOrUpdateReminder(PublishReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
                publishReminderActive = true;
            }
        }
        else if (publishReminderActive != false)
        {
            // Checked once per activation at most: the common case (nothing held) costs no reminder read per check-in.
            if (await this.GetReminder(PublishReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            publishReminderActive = false;
        }
    }
}
