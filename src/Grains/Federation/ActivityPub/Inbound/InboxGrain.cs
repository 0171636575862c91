using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>
/// Applies one remote actor's pending <c>ap_inbox</c> rows in arrival order, each by the handler for its type, and
/// marks each applied. A failure is retried with backoff and full jitter (<see cref="RetrySchedule"/>) and holds back
/// that actor's later rows (an Undo must not overtake its Follow) until it succeeds or is given up on. Applying is
/// at-least-once (a crash between a handler and the mark repeats the handler); handlers are idempotent, so the
/// effect is exactly once. Nothing here is durable but the rows: the wake on receipt starts the work, and
/// <see cref="InboxSweeper"/> restarts it when this activation is gone.
/// </summary>
public sealed partial class InboxGrain(
    InboxStore store,
    RemoteGraph graph,
    RemoteActors actors,
    IEnumerable<IActivityHandler> handlers,
    IOptions<InboxOptions> options,
    TimeProvider clock,
    ILogger<InboxGrain> logger) : Grain, IInboxGrain
{
    // A long backlog yields now and then, so that the silo's other turns (and this grain's timer) are not starved.
    private static readonly TimeSpan PumpBudget = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, IActivityHandler> byType = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);
    private readonly InboxOptions settings = options.Value;
    private IGrainTimer? pump;
    private bool pumping;
    private bool woken;

    private string ActorId => this.GetPrimaryKeyString();

    public Task Wake()
    {
        // Interleaved: while a pump runs it only notes the wake, and the pump looks once more before it stops.
        woken = true;
        if (!pumping)
        {
            Arm(TimeSpan.Zero);
        }
        return Task.CompletedTask;
    }

    private void Arm(TimeSpan dueTime)
    {
        if (pump is null)
        {
            pump = this.RegisterGrainTimer(Pump, dueTime, Timeout.InfiniteTimeSpan);
        }
        else
        {
            pump.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task Pump(CancellationToken cancellationToken)
    {
        pumping = true;
        try
        {
            var started = clock.GetUtcNow();
            TimeSpan? wait;
            do
            {
                woken = false;
                wait = await DrainAsync(started, cancellationToken);
            }
            while (woken && clock.GetUtcNow() - started < PumpBudget);
            if (woken)
            {
                Arm(TimeSpan.Zero); // budget spent with work left: go on after the turns that waited
            }
            else if (wait is { } next)
            {
                // The head waits for its retry. Past a minute the activation may be collected; the sweeper then wakes it.
                Arm(next < MinWait ? MinWait : next > MaxWait ? MaxWait : next);
            }
            // else: nothing pending; the idle activation is collected in time.
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The database is away (the failure could not even be recorded): try again later; the rows wait.
            LogPumpFailed(logger, ActorId, e.Message);
            Arm(settings.BaseDelay);
        }
        finally
        {
            pumping = false;
        }
    }

    /// <summary>Applies due rows until none is pending (null) or the head must wait (how long).</summary>
    private async Task<TimeSpan?> DrainAsync(DateTimeOffset started, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var rows = await store.PendingAsync(ActorId, settings.BatchSize);
            if (rows.Count == 0)
            {
                return null;
            }
            foreach (var row in rows)
            {
                var now = clock.GetUtcNow();
                if (row.NextAttemptAt > now)
                {
                    return row.NextAttemptAt - now;
                }
                if (await ApplyAsync(row) is { } retryIn)
                {
                    return retryIn;
                }
            }
            if (clock.GetUtcNow() - started >= PumpBudget)
            {
                return TimeSpan.Zero;
            }
        }
        return TimeSpan.Zero;
    }

    /// <summary>Applies one row; returns null when it is settled (applied or given up), else the wait before its retry.</summary>
    private async Task<TimeSpan?> ApplyAsync(InboxRow row)
    {
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(row.Body, new JsonDocumentOptions { MaxDepth = 32 });
            json = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            // The API parsed it before recording it, so this cannot get better by waiting.
            await store.GiveUpAsync(row.Id, row.Attempts + 1, "not JSON: " + e.Message);
            LogGaveUp(logger, row.ActivityId, ActorId, e.Message);
            return null;
        }
        try
        {
            // The verifier cached the actor when it checked the signature; a Delete of the actor applied since then
            // marks the entry, so fetch it again rather than drop the activities that followed.
            var actor = await graph.ActorAsync(row.ActorId) ?? await actors.GetAsync(row.ActorId, refresh: true)
                ?? throw new InvalidOperationException($"The actor {row.ActorId} could not be read.");
            var type = json.Type() ?? "";
            if (byType.TryGetValue(type, out var handler))
            {
                await handler.ApplyAsync(new InboundActivity(row.ActivityId, actor, json));
            }
            else
            {
                LogIgnored(logger, type, row.ActorId);
            }
            await store.AppliedAsync(row.Id);
            return null;
        }
        catch (Exception e)
        {
            // Any failure, a timeout's cancellation included, counts as an attempt: a poison activity is given up in time.
            var attempts = row.Attempts + 1;
            var error = e.GetType().Name + ": " + e.Message;
            if (attempts >= settings.MaxAttempts)
            {
                await store.GiveUpAsync(row.Id, attempts, $"{attempts} attempts; last: {error}");
                LogGaveUp(logger, row.ActivityId, ActorId, error);
                return null;
            }
            var wait = RetrySchedule.FullJitter(attempts, settings.BaseDelay, settings.MaxDelay, Random.Shared);
            await store.RetryLaterAsync(row.Id, attempts, clock.GetUtcNow() + wait, error);
            LogRetry(logger, row.ActivityId, ActorId, attempts, wait, error);
            return wait;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Type} from {Actor}")]
    private static partial void LogIgnored(ILogger logger, string type, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {ActivityId} from {Actor} failed (attempt {Attempts}: {Error}); next try in {Wait}")]
    private static partial void LogRetry(ILogger logger, string activityId, string actor, int attempts, TimeSpan wait, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up applying {ActivityId} from {Actor}: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string activityId, string actor, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The inbox of {Actor} could not be worked on: {Error}; trying again later")]
    private static partial void LogPumpFailed(ILogger logger, string actor, string error);
}
