namespace Herenow.Grains.Common;

/// <summary>
/// Brings a grain back to work that waits outside its memory (queue rows, held check-ins, a saga's next step): a grain
/// timer for promptness while the activation lives, and a reminder (durable: it survives deactivation and silo death)
/// only while work is pending. A field of the grain, made with it (the shape of Orleans' ObserverManager); the grain
/// implements <see cref="IRemindable"/> and tells it of each tick (<see cref="ReminderTicked"/>).
/// <para>
/// The order is what makes it safe: the reminder is registered before the work is attempted (<see cref="WorkAddedAsync"/>),
/// so a silo that dies meanwhile loses nothing; when the grain finds nothing left (<see cref="IdleAsync"/>) the reminder
/// is removed and then the work is looked at once more, because new work may have been committed between "nothing
/// left" and the removal — if so the reminder is registered again. A registration that interleaves with the removal
/// on this activation is registered again too.
/// </para>
/// </summary>
/// <param name="grain">The owner; its timer and reminder.</param>
/// <param name="reminderName">Stable across releases: deployments hold reminders under it.</param>
/// <param name="wake">What the timer runs (the grain's pump).</param>
public sealed class DurableWakeUp(IGrainBase grain, string reminderName, Func<CancellationToken, Task> wake)
{
    private IGrainTimer? timer;
    // Whether this activation knows the reminder registered; null until it knows (a fresh activation: an earlier one may have).
    private bool? registered;
    private int registrations; // started, ever
    private int registering;   // started and not yet done

    /// <summary>The timer's period after its first tick; infinite (the default) for a one-shot timer.</summary>
    public TimeSpan TimerPeriod { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Whether the timer keeps the activation from being collected while it waits.</summary>
    public bool KeepAlive { get; init; }

    /// <summary>The reminder's due time and period: how late, at worst, the work resumes after the activation is gone.</summary>
    public TimeSpan ReminderPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether an activation that neither registered the reminder nor had it tick looks it up when idle, to remove one an
    /// earlier activation left (one read). False: it does not, and a leftover removes itself at its next tick, when the
    /// grain finds nothing to do — for a grain activated often for other reasons, where the read would cost each time.
    /// </summary>
    public bool LooksForEarlierReminder { get; init; } = true;

    /// <summary>Whether the timer is set (between <see cref="Schedule"/> and <see cref="Stop"/>).</summary>
    public bool IsScheduled => timer is not null;

    /// <summary>Work was added: the reminder first (durable), then the timer at once.</summary>
    public async Task WorkAddedAsync()
    {
        await EnsureReminderAsync();
        Schedule(TimeSpan.Zero);
    }

    /// <summary>Registers the reminder unless this activation knows it registered.</summary>
    public async Task EnsureReminderAsync()
    {
        if (registered == true)
        {
            return;
        }
        registrations++;
        registering++;
        try
        {
            await grain.RegisterOrUpdateReminder(reminderName, ReminderPeriod, ReminderPeriod);
            registered = true;
        }
        finally
        {
            registering--;
        }
    }

    /// <summary>The reminder ticked (call from <see cref="IRemindable.ReceiveReminder"/>): it is registered.</summary>
    public void ReminderTicked() => registered = true;

    /// <summary>The reminder ticked: it is registered, and the timer runs at once (a pump's <see cref="IRemindable.ReceiveReminder"/>).</summary>
    public Task ReceiveReminder()
    {
        ReminderTicked();
        Schedule(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    /// <summary>The timer's next tick after <paramref name="dueTime"/> (then every <see cref="TimerPeriod"/>).</summary>
    public void Schedule(TimeSpan dueTime)
    {
        if (timer is null)
        {
            timer = grain.RegisterGrainTimer(wake, new GrainTimerCreationOptions(dueTime, TimerPeriod) { KeepAlive = KeepAlive });
        }
        else
        {
            timer.Change(dueTime, TimerPeriod);
        }
    }

    /// <summary>
    /// For a periodic timer: the next tick after <paramref name="wait"/> (when the earliest work falls due), but no sooner than the timer
    /// period and no later than the reminder period (the reminder would look then anyway). A wake-up in between runs at once.
    /// </summary>
    public void Sleep(TimeSpan wait) =>
        Schedule(wait < TimerPeriod ? TimerPeriod : wait > ReminderPeriod ? ReminderPeriod : wait);

    /// <summary>Stops the timer; the reminder stays.</summary>
    public void Stop()
    {
        timer?.Dispose();
        timer = null;
    }

    /// <summary>
    /// Nothing left to do: stops the timer and removes the reminder, then asks <paramref name="stillPending"/> once
    /// more, after the removal, so that work committed in between is not left without a reminder (it is registered
    /// again and the timer set). True when idle; false when work turned up (here or in a call alongside).
    /// </summary>
    public async Task<bool> IdleAsync(Func<Task<bool>>? stillPending = null)
    {
        Stop();
        var idle = true;
        var mayBeRegistered = registered ?? LooksForEarlierReminder;
        registered = false; // from here a registration on this activation goes to the table again
        if (mayBeRegistered)
        {
            var seen = registrations;
            var racing = registering > 0;
            try
            {
                if (await grain.GetReminder(reminderName) is { } reminder)
                {
                    await grain.UnregisterReminder(reminder);
                }
            }
            catch (ReminderException) when (racing || registrations != seen)
            {
                // The row changed since it was read (its tag): the registration alongside wrote it, and it stays.
            }
            if (racing || registrations != seen)
            {
                // A registration ran alongside the removal and may have been the row removed: register it again.
                registered = false;
                await EnsureReminderAsync();
                idle = false;
            }
        }
        if (stillPending is not null && await stillPending())
        {
            await EnsureReminderAsync();
            Schedule(TimerPeriod == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : TimerPeriod);
            return false;
        }
        return idle;
    }
}
