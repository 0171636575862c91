using System.Diagnostics;
using Herenow.Grains.Common;
using Herenow.Grains.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Drains one domain's part of the durable outbox: the due head of each inbox's queue, a bounded number at a time,
/// through the domain's circuit breaker; failures are rescheduled with backoff and full jitter (RetrySchedule),
/// permanent answers and spent attempts are given up on. Delivery is at-least-once (a crash between the remote 202
/// and our DELETE sends it again); receivers dedupe by activity id, as ours does.
/// </summary>
public sealed partial class DomainDeliveryGrain(
    DeliveryQueue queue,
    IActivitySender sender,
    IOptions<FederationOptions> options,
    TimeProvider clock,
    ILogger<DomainDeliveryGrain> logger) : Grain, IDomainDeliveryGrain, IRemindable
{
    private const string ResumeReminder = "deliveries";
    private static readonly TimeSpan PumpBudget = TimeSpan.FromSeconds(20);

    private readonly FederationOptions settings = options.Value;
    private CircuitBreaker breaker = null!;

    /// <summary>The pump's timer, and the reminder that brings the queue back after a deactivation or a silo death.</summary>
    private DurableWakeUp WakeUp => field ??= new(this, ResumeReminder, Pump) { TimerPeriod = settings.PollPeriod };

    private string Domain => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        breaker = new CircuitBreaker(settings.BreakerThreshold, settings.BreakerOpenFor);
        return Task.CompletedTask;
    }

    // Registered before anything is attempted: if this silo dies now, the reminder brings the queue back.
    public Task Wake() => WakeUp.WorkAddedAsync();

    public Task<DomainDeliveryStatus> GetStatus()
    {
        var now = clock.GetUtcNow();
        return Task.FromResult(new DomainDeliveryStatus(Domain, breaker.IsOpen(now), breaker.ConsecutiveFailures, breaker.IsOpen(now) ? breaker.ReopensAt : null));
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => WakeUp.ReceiveReminder();

    /// <summary>One tick: deliver what is due, batch after batch, for a bounded time; stop when the queue is empty.</summary>
    private async Task Pump(CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        while (clock.GetUtcNow() - started < PumpBudget && !cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var permits = breaker.Permits(now, settings.ConcurrencyPerDomain);
            if (permits == 0)
            {
                // Open circuit: the queue waits in PostgreSQL; look again when the trial is allowed.
                WakeUp.Sleep(breaker.ReopensAt!.Value - now);
                return;
            }
            var due = await queue.DueAsync(Domain, permits);
            if (due.Count == 0)
            {
                if (await queue.NextDueAsync(Domain) is { } next)
                {
                    WakeUp.Sleep(next - clock.GetUtcNow()); // nothing due yet: no polling until the earliest retry
                }
                // A Wake may have interleaved with the removal; its rows were committed before it called, so one more
                // look after the reminder is gone cannot miss them.
                else if (await WakeUp.IdleAsync(() => queue.AnyAsync(Domain)))
                {
                    DeactivateOnIdle();
                }
                return;
            }
            await WakeUp.EnsureReminderAsync();
            var outcomes = await Task.WhenAll(due.Select(d => SendOne(d, cancellationToken)));
            for (var i = 0; i < due.Count; i++)
            {
                await Settle(due[i], outcomes[i]);
            }
        }
    }

    /// <summary>One delivery; a local failure (say, the key could not be read) is a retry of that one, not of the batch.</summary>
    private async Task<DeliveryOutcome> SendOne(QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        // A child of the trace that queued it (the check-in's request), so one trace runs from POST to remote inbox;
        // its HTTP call below carries the traceparent on to the remote server.
        using var activity = TraceParent.StartChild("federation.deliver", ActivityKind.Producer, delivery.TraceParent);
        activity?.SetTag("herenow.federation.domain", Domain);
        activity?.SetTag("herenow.federation.activity_id", delivery.ActivityId);
        activity?.SetTag("herenow.federation.attempt", delivery.Attempts + 1);
        try
        {
            var outcome = await sender.SendAsync(delivery, cancellationToken);
            activity?.SetTag("herenow.federation.result", outcome.Result.ToString());
            if (outcome.Result != DeliveryResult.Delivered) activity?.SetStatus(ActivityStatusCode.Error, outcome.Detail);
            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return new DeliveryOutcome(DeliveryResult.Retry, "local: " + e.GetType().Name + ": " + e.Message);
        }
    }

    private async Task Settle(QueuedDelivery delivery, DeliveryOutcome outcome)
    {
        var now = clock.GetUtcNow();
        switch (outcome.Result)
        {
            case DeliveryResult.Delivered:
                breaker.Success();
                await queue.DeliveredAsync(delivery.Id);
                HerenowTelemetry.RecordDelivery("delivered");
                break;
            case DeliveryResult.Permanent:
                breaker.Success(); // the server is up and answering; it just will not take this one
                await queue.GiveUpAsync(delivery.Id, delivery.Attempts + 1, outcome.Detail);
                HerenowTelemetry.RecordDelivery("given_up");
                LogGaveUp(logger, delivery.ActivityId, delivery.Inbox, outcome.Detail);
                break;
            default:
                breaker.Failure(now);
                var attempts = delivery.Attempts + 1;
                if (await queue.ScheduleRetryAsync(delivery.Id, attempts, outcome.Detail, settings, clock, outcome.RetryAfter) is { } wait)
                {
                    HerenowTelemetry.RecordDelivery("retried");
                    LogRetry(logger, delivery.ActivityId, delivery.Inbox, attempts, wait, outcome.Detail);
                }
                else
                {
                    await queue.GiveUpAsync(delivery.Id, attempts, $"{attempts} attempts; last: {outcome.Detail}");
                    HerenowTelemetry.RecordDelivery("given_up");
                    LogGaveUp(logger, delivery.ActivityId, delivery.Inbox, outcome.Detail);
                }
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery of {ActivityId} to {Inbox} failed (attempt {Attempts}: {Detail}); next try in {Wait}")]
    private static partial void LogRetry(ILogger logger, string activityId, string inbox, int attempts, TimeSpan wait, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {ActivityId} to {Inbox} given up: {Detail}")]
    private static partial void LogGaveUp(ILogger logger, string activityId, string inbox, string detail);
}
