using Herenow.Grains.Common;
using Herenow.Grains.Federation.ActivityPub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Accounts.Deletion;

/// <summary>
/// Runs the deletion saga: the steps of <see cref="DeletionStep"/> in order, each recorded when done (durable), each
/// retried with exponential backoff and full jitter until it succeeds. Recovery is forward only: once the request is
/// acknowledged, erasure is an obligation, so no step is ever undone — a failed step is retried, never compensated.
/// A crash loses at most the step in progress, which is idempotent and runs again on reactivation (a reminder
/// reactivates the saga if nobody calls it).
/// </summary>
public sealed class AccountDeletionGrain(
    [PersistentState("deletion")] IPersistentState<AccountDeletionState> state,
    AccountErasure erasure,
    TimeProvider clock,
    IOptions<AccountDeletionOptions> options,
    ILogger<AccountDeletionGrain> logger) : Grain, IAccountDeletionGrain, IRemindable
{
    private const string ResumeReminder = "deletion-resume";
    private bool running;

    /// <summary>The timer for the next step (it keeps the saga active while it waits), and the reminder that brings it back.</summary>
    private DurableWakeUp WakeUp => field ??= new(this, ResumeReminder, _ => RunSteps()) { KeepAlive = true };

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.RequestedAt is not null && state.State.CompletedAt is null)
        {
            WakeUp.Schedule(TimeSpan.Zero);
        }
        return Task.CompletedTask;
    }

    public async Task<DeletionStatus> Start(string username)
    {
        if (state.State.RequestedAt is null)
        {
            state.State.Username = username;
            state.State.RequestedAt = clock.GetUtcNow();
            state.State.Steps = Enum.GetValues<DeletionStep>().Select(s => new DeletionStepRecord(s, null, 0, null)).ToList();
            await state.WriteStateAsync();
            await WakeUp.EnsureReminderAsync();
            // The lock and the revocation run in the request, so that the 202 also means "nobody sees or uses this
            // account any more"; if either fails, the timer retries it like any step.
            var wait = await RunStep((int)DeletionStep.Lock) ?? await RunStep((int)DeletionStep.RevokeSessions);
            WakeUp.Schedule(wait ?? TimeSpan.Zero);
        }
        else if (state.State.CompletedAt is null && !running && !WakeUp.IsScheduled)
        {
            WakeUp.Schedule(TimeSpan.Zero);
        }
        return Status();
    }

    public Task<DeletionStatus?> GetStatus() => Task.FromResult(state.State.RequestedAt is null ? null : Status());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        WakeUp.ReminderTicked();
        if (state.State.CompletedAt is not null)
        {
            await WakeUp.IdleAsync();
            return;
        }
        if (!running && !WakeUp.IsScheduled)
        {
            WakeUp.Schedule(TimeSpan.Zero);
        }
    }

    private async Task RunSteps()
    {
        WakeUp.Stop();
        if (running || state.State.CompletedAt is not null)
        {
            return;
        }
        running = true;
        try
        {
            for (var i = 0; i < state.State.Steps.Count; i++)
            {
                if (state.State.Steps[i].DoneAt is not null)
                {
                    continue;
                }
                if (await RunStep(i) is { } wait)
                {
                    WakeUp.Schedule(wait);
                    return;
                }
            }
            state.State.CompletedAt = clock.GetUtcNow();
            await state.WriteStateAsync();
            logger.LogInformation("Account {Username} deleted (requested {RequestedAt})", state.State.Username, state.State.RequestedAt);
            await WakeUp.IdleAsync(); // the obligation is met: nothing brings the saga back
        }
        finally
        {
            running = false;
        }
    }

    /// <summary>Runs step <paramref name="index"/>; null when it is done, else how long to wait before trying again.</summary>
    private async Task<TimeSpan?> RunStep(int index)
    {
        var record = state.State.Steps[index];
        try
        {
            if (!await erasure.RunAsync(record.Step, state.State.Username, this.GetPrimaryKeyString(), state.State.RequestedAt!.Value))
            {
                // Waiting on other work (the fan-out, the federation queues): look again, less often the longer it takes.
                state.State.Steps[index] = record with { Attempts = record.Attempts + 1 };
                return Backoff(record.Attempts + 1, options.Value.PollDelay, options.Value.PollMaxDelay);
            }
            state.State.Steps[index] = record with { DoneAt = clock.GetUtcNow(), LastError = null };
            await state.WriteStateAsync();
            return null;
        }
        catch (Exception e)
        {
            state.State.Steps[index] = record with { Attempts = record.Attempts + 1, LastError = e.Message };
            var wait = Backoff(record.Attempts + 1, options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
            logger.LogWarning("Deleting account {Username}: step {Step} failed (attempt {Attempts}), retrying in {Wait}: {Error}",
                state.State.Username, record.Step, record.Attempts + 1, wait, e.Message);
            return wait;
        }
    }

    /// <summary>Exponential backoff with full jitter (the delivery queues' schedule), so retries do not line up.</summary>
    private static TimeSpan Backoff(int attempts, TimeSpan baseDelay, TimeSpan maxDelay) =>
        RetrySchedule.FullJitter(attempts, baseDelay, maxDelay, Random.Shared);

    private DeletionStatus Status() =>
        new(state.State.Username, state.State.RequestedAt!.Value, state.State.CompletedAt, state.State.Steps.ToList());
}

[GenerateSerializer, Alias("herenow.account-deletion-state")]
public sealed class AccountDeletionState
{
    [Id(0)] public string Username { get; set; } = "";
    [Id(1)] public DateTimeOffset? RequestedAt { get; set; }
    [Id(2)] public List<DeletionStepRecord> Steps { get; set; } = [];
    [Id(3)] public DateTimeOffset? CompletedAt { get; set; }
}
