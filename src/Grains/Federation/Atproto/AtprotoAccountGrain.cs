using System.Text.Json.Nodes;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Media;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Federation.Atproto;

public sealed partial class AtprotoAccountGrain(
    AtprotoAccounts accounts,
    AtprotoRecords records,
    MediaBlobs blobs,
    XrpcClient xrpc,
    IOptions<FederationOptions> options,
    TimeProvider clock,
    ILogger<AtprotoAccountGrain> logger) : Grain, IAtprotoAccountGrain, IRemindable
{
    private const string ResumeReminder = "atproto";
    private readonly FederationOptions settings = options.Value;
    private AtprotoSession? session;

    /// <summary>The pump's timer, and the reminder that brings the jobs back after a deactivation or a silo death.</summary>
    private DurableWakeUp WakeUp => field ??= new(this, ResumeReminder, Pump) { TimerPeriod = settings.PollPeriod };

    private string Username => this.GetPrimaryKeyString();

    public Task Wake() => WakeUp.WorkAddedAsync();

    public Task Relinked()
    {
        session = null;
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => WakeUp.ReceiveReminder();

    /// <summary>Runs due jobs one at a time, oldest first (a delete never overtakes its post).</summary>
    private async Task Pump(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 20 && !cancellationToken.IsCancellationRequested; i++)
        {
            var (job, next) = await accounts.HeadAsync(Username);
            if (job is null)
            {
                if (next is { } at)
                {
                    WakeUp.Sleep(at - clock.GetUtcNow());
                }
                else
                {
                    await WakeUp.IdleAsync(async () => (await accounts.HeadAsync(Username)).Next is not null); // a Wake interleaved with the removal
                }
                return;
            }
            await Run(job, cancellationToken);
        }
    }

    private async Task Run(AtprotoJob job, CancellationToken cancellationToken)
    {
        try
        {
            if (await accounts.GetWithPasswordAsync(Username) is not { } linked)
            {
                await accounts.DoneAsync(job.Id); // unlinked meanwhile: nothing to write to
                return;
            }
            var rkey = Tid.ForCheckin(job.CheckinId);
            if (job.Delete)
            {
                await WithSession(linked, (s, pds) => xrpc.DeleteRecordAsync(pds, s.AccessJwt, s.Did, AtprotoRecords.PostCollection, rkey, cancellationToken));
                await WithSession(linked, (s, pds) => xrpc.DeleteRecordAsync(pds, s.AccessJwt, s.Did, AtprotoRecords.CheckinCollection, rkey, cancellationToken));
            }
            else if (await GrainFactory.GetGrain<ICheckinGrain>(job.CheckinId).Get() is { Visibility: Visibility.Public } checkin)
            {
                await Write(linked, checkin, rkey, cancellationToken);
            }
            await accounts.DoneAsync(job.Id);
        }
        catch (Exception e) when (e is XrpcException { IsTransient: false, IsExpiredSession: false } or Http.RemoteRequestRefusedException)
        {
            // The PDS refused this write for good (an invalid record, say), or its address is not allowed: retrying cannot help.
            await accounts.DoneAsync(job.Id);
            LogGaveUp(logger, job.CheckinId, Username, e.Message);
        }
        catch (Exception e) when (e is XrpcException or HttpRequestException or TaskCanceledException or TimeoutException
                                   or Npgsql.NpgsqlException
                                   // The secrets key is missing on this silo or changed since linking: counted and backed off like the rest.
                                   or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            var attempts = job.Attempts + 1;
            if (await accounts.ScheduleRetryAsync(job.Id, attempts, e.Message, settings, clock) is { } wait)
            {
                LogRetry(logger, job.CheckinId, Username, attempts, wait, e.Message);
                return;
            }
            await accounts.DoneAsync(job.Id);
            LogGaveUp(logger, job.CheckinId, Username, e.Message);
        }
    }

    /// <summary>The location record first (the post embeds its reference), then the post; both replace on repeat.</summary>
    private async Task Write((AtprotoLink Link, string AppPassword) linked, CheckinRecord checkin, string rkey, CancellationToken ct)
    {
        var images = new List<(JsonNode, MediaAttachment)>();
        foreach (var media in (checkin.Media ?? []).Take(AtprotoRecords.MaxImages))
        {
            // The display size usually fits; if not, the preview (a smaller re-encode) does.
            var blob = await blobs.ReadAsync(media.DisplayKey) is { Content.Length: <= AtprotoRecords.MaxImageBytes } display
                ? display
                : await blobs.ReadAsync(media.PreviewKey) is { Content.Length: <= AtprotoRecords.MaxImageBytes } preview ? preview : ((byte[], string)?)null;
            if (blob is { } b)
            {
                var uploaded = await WithSession(linked, (s, pds) => xrpc.UploadBlobAsync(pds, s.AccessJwt, b.Item1, b.Item2, ct));
                images.Add((uploaded, media));
            }
        }
        var postUri = $"at://{linked.Link.Did}/{AtprotoRecords.PostCollection}/{rkey}";
        // A check-in in a privacy zone gets no location record: the post alone, without place or coordinates.
        (string, string)? location = checkin.InPrivacyZone ? null : await WithSession(linked, (s, pds) =>
            xrpc.PutRecordAsync(pds, s.AccessJwt, s.Did, AtprotoRecords.CheckinCollection, rkey, records.Location(checkin, postUri), ct));
        await WithSession(linked, (s, pds) =>
            xrpc.PutRecordAsync(pds, s.AccessJwt, s.Did, AtprotoRecords.PostCollection, rkey, records.Post(checkin, images, location), ct));
    }

    private Task<bool> WithSession((AtprotoLink Link, string AppPassword) linked, Func<AtprotoSession, Uri, Task> call) =>
        WithSession(linked, async (s, pds) => { await call(s, pds); return true; });

    /// <summary>
    /// Runs an XRPC call with a session: made on first use, refreshed when the access token expired, made anew
    /// when the refresh fails too (the refresh token expired or was revoked).
    /// </summary>
    private async Task<T> WithSession<T>((AtprotoLink Link, string AppPassword) linked, Func<AtprotoSession, Uri, Task<T>> call)
    {
        var pds = new Uri(linked.Link.PdsUrl);
        session ??= await xrpc.CreateSessionAsync(pds, linked.Link.Did, linked.AppPassword);
        try
        {
            return await call(session, pds);
        }
        catch (XrpcException e) when (e.IsExpiredSession)
        {
            try
            {
                session = await xrpc.RefreshSessionAsync(pds, session.RefreshJwt);
            }
            catch (XrpcException)
            {
                session = await xrpc.CreateSessionAsync(pds, linked.Link.Did, linked.AppPassword);
            }
            return await call(session, pds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AT Protocol write of {CheckinId} for {Username} failed (attempt {Attempts}: {Error}); next try in {Wait}")]
    private static partial void LogRetry(ILogger logger, string checkinId, string username, int attempts, TimeSpan wait, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AT Protocol write of {CheckinId} for {Username} given up: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string checkinId, string username, string error);
}
