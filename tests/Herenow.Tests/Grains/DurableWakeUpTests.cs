using System.Collections.Concurrent;
using Herenow.Grains.Common;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Herenow.Tests.Grains;

/// <summary>
/// The durable wake-up (Common/DurableWakeUp.cs) on a probe grain whose work waits outside it, as queue rows do: the
/// reminder is there while work is pending and gone when the grain is idle; work that arrives while the grain goes
/// idle keeps it; pending work is done after the activation is gone, by the reminder alone.
/// </summary>
public sealed class DurableWakeUpTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private TestClusterHost host = null!;

    // The probe's reminder period is a second (production's is a minute), so the reminder's ticks are seen in a test.
    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync(services: s =>
        s.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task The_reminder_is_registered_while_work_is_pending_and_removed_when_idle()
    {
        var (probe, work) = Probe();
        Assert.False(await probe.HasReminder());

        await probe.Add("a", due: false);
        Assert.True(await probe.HasReminder());
        Assert.Empty(work.Processed);

        work.MakeDue();
        await Until(() => work.Processed.ContainsKey("a"));
        await Until(async () => !await probe.HasReminder());
        await Until(() => work.IdleResults.Contains(true));
    }

    [Fact]
    public async Task Work_committed_while_the_grain_goes_idle_keeps_the_reminder()
    {
        var (probe, work) = Probe();
        // Another writer commits "late" between the grain's "nothing left" and the reminder's removal; its wake-up has
        // not arrived (it may be lost): only the look after the removal can find it.
        work.BeforeIdle = () => work.Put("late", due: false);

        await probe.Add("first", due: true);
        await Until(() => work.IdleResults.Contains(false));

        Assert.True(work.Processed.ContainsKey("first"));
        Assert.False(work.Processed.ContainsKey("late"));
        Assert.True(await probe.HasReminder());

        work.MakeDue();
        await Until(() => work.Processed.ContainsKey("late")); // the timer set again with the reminder
        await Until(async () => !await probe.HasReminder());
    }

    [Fact]
    public async Task Work_added_on_the_activation_while_the_reminder_is_being_removed_keeps_it()
    {
        var (probe, work) = Probe();
        // The grain adds "late" while its idle check is removing the reminder (as an interleaving call would). No second
        // look here: only what the wake-up knows of that registration keeps the reminder.
        work.LookAgainWhenIdle = false;
        work.AddDuringIdle = "late";

        await probe.Add("first", due: true);
        await Until(() => work.IdleResults.Contains(false));

        Assert.False(work.Processed.ContainsKey("late"));
        Assert.True(await probe.HasReminder());

        work.MakeDue();
        await Until(() => work.Processed.ContainsKey("late"));
        await Until(async () => !await probe.HasReminder());
    }

    [Fact]
    public async Task Pending_work_is_done_after_the_grain_is_deactivated_by_the_reminder_alone()
    {
        var (probe, work) = Probe();
        await probe.Add("a", due: false);
        var before = await probe.ActivationId();

        await probe.Deactivate();
        await Until(() => work.Deactivations > 0);
        work.MakeDue(); // and nobody calls the grain

        await Until(() => work.Processed.ContainsKey("a"));
        Assert.NotEqual(before, work.Processed["a"]); // done by a new activation, which only the reminder made
        await Until(async () => !await probe.HasReminder());
    }

    private (IWakeUpProbeGrain Probe, ProbeWork Work) Probe()
    {
        var key = Guid.NewGuid().ToString("N");
        return (host.Client.GetGrain<IWakeUpProbeGrain>(key), ProbeWork.For(key));
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(100);
        }
    }
}

/// <summary>The probe's work, outside the grain (as rows in a table are): pending items, and who processed each.</summary>
public sealed class ProbeWork
{
    private static readonly ConcurrentDictionary<string, ProbeWork> All = new();
    private readonly ConcurrentDictionary<string, bool> pending = new(); // item → due

    public static ProbeWork For(string key) => All.GetOrAdd(key, _ => new ProbeWork());

    /// <summary>Item → the activation that processed it.</summary>
    public ConcurrentDictionary<string, Guid> Processed { get; } = new();

    /// <summary>What each <see cref="DurableWakeUp.IdleAsync"/> answered.</summary>
    public ConcurrentQueue<bool> IdleResults { get; } = new();

    public bool LookAgainWhenIdle { get; set; } = true;
    public Action? BeforeIdle { get; set; }
    public string? AddDuringIdle { get; set; }
    public int Deactivations { get; set; }

    public bool AnyPending => !pending.IsEmpty;

    public void Put(string item, bool due) => pending[item] = due;

    public void MakeDue()
    {
        foreach (var item in pending.Keys)
        {
            pending[item] = true;
        }
    }

    public List<string> TakeDue()
    {
        var due = pending.Where(p => p.Value).Select(p => p.Key).ToList();
        foreach (var item in due)
        {
            pending.TryRemove(item, out _);
        }
        return due;
    }
}

public interface IWakeUpProbeGrain : IGrainWithStringKey
{
    Task Add(string item, bool due);

    Task<bool> HasReminder();

    Task<Guid> ActivationId();

    Task Deactivate();
}

public sealed class WakeUpProbeGrain : Grain, IWakeUpProbeGrain, IRemindable
{
    private const string ReminderName = "probe";
    private readonly Guid activation = Guid.NewGuid();

    private ProbeWork Work => ProbeWork.For(this.GetPrimaryKeyString());

    private DurableWakeUp WakeUp => field ??= new(this, ReminderName, Pump)
    {
        TimerPeriod = TimeSpan.FromMilliseconds(100),
        ReminderPeriod = TimeSpan.FromSeconds(1),
    };

    public Task Add(string item, bool due)
    {
        Work.Put(item, due); // committed first, then the wake-up, as the queues do
        return WakeUp.WorkAddedAsync();
    }

    public async Task<bool> HasReminder() => await this.GetReminder(ReminderName) is not null;

    public Task<Guid> ActivationId() => Task.FromResult(activation);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Work.Deactivations++;
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => WakeUp.ReceiveReminder();

    private async Task Pump(CancellationToken cancellationToken)
    {
        var work = Work;
        foreach (var item in work.TakeDue())
        {
            work.Processed[item] = activation;
        }
        if (work.AnyPending)
        {
            return; // pending but not due: the periodic timer looks again
        }
        work.BeforeIdle?.Invoke();
        work.BeforeIdle = null;
        var idle = WakeUp.IdleAsync(work.LookAgainWhenIdle ? () => Task.FromResult(work.AnyPending) : null);
        if (work.AddDuringIdle is { } late)
        {
            // The idle check is now awaiting the reminder table: this registration runs alongside its removal.
            work.AddDuringIdle = null;
            work.Put(late, due: false);
            await WakeUp.WorkAddedAsync();
        }
        work.IdleResults.Enqueue(await idle);
    }
}
