using System.Text.Json.Nodes;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Tests.Cluster;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Herenow.Tests.Federation;

/// <summary>
/// The outbox's promise: a queued delivery is delivered even if the silo holding its domain grain is killed (kill -9,
/// real processes) while the remote server is down. The rows and the reminder are in PostgreSQL; the surviving silo's
/// reminder service brings the domain grain back and it resumes.
/// </summary>
[Collection(nameof(SiloProcessCollection))]
public sealed class DeliverySurvivesSiloCrashTests
{
    [Fact]
    public async Task A_queued_delivery_arrives_after_the_silo_holding_it_is_killed()
    {
        var remoteUp = false;
        var delivered = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var inbox = await LoopbackServer.StartAsync(async (context, body) =>
        {
            if (!Volatile.Read(ref remoteUp))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            delivered.TrySetResult(System.Text.Encoding.UTF8.GetString(body));
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await Task.CompletedTask;
        });
        await using var cluster = await SiloProcessCluster.StartAsync(2, TimeSpan.FromSeconds(90), new Dictionary<string, string?>
        {
            ["Herenow:Federation:PublicUrl"] = "http://127.0.0.1:5999",
            ["Herenow:Federation:AllowPrivateNetworks"] = "true",
            ["Herenow:Federation:BaseDelay"] = "00:00:00.500",
            ["Herenow:Federation:MaxDelay"] = "00:00:02",
            ["Herenow:Federation:PollPeriod"] = "00:00:00.500",
        });

        // Queued as the fan-out queues it: a row, then a wake of the domain's grain.
        var queue = new DeliveryQueue(NpgsqlDataSource.Create(cluster.Database.ConnectionString), TimeProvider.System);
        var delivery = new ActivityDelivery(queue, cluster.Client);
        var activity = new JsonObject { ["id"] = "http://127.0.0.1:5999/users/crash/checkins/1/activity", ["type"] = "Create", ["actor"] = "http://127.0.0.1:5999/users/crash" };
        await delivery.SendAsync(activity, "crash", [inbox.Url("/inbox").AbsoluteUri]);
        var domain = DeliveryQueue.DomainOf(inbox.Url("/inbox").AbsoluteUri);

        // Wait until it has failed at least once (the grain is active and retrying), then kill its silo.
        await Until(() => !inbox.Seen.IsEmpty, TimeSpan.FromSeconds(20), "no delivery attempt reached the inbox");
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var host = cluster.Owning(await management.GetActivationAddress(cluster.Client.GetGrain<IDomainDeliveryGrain>(domain)));
        Assert.NotNull(host);
        host!.Signal(SiloProcess.SigKill);
        Volatile.Write(ref remoteUp, true);

        // Nobody wakes the grain again: only the durable reminder (1-minute period) can bring the work back.
        var arrived = await delivered.Task.WaitAsync(TimeSpan.FromSeconds(150));
        Assert.Contains("\"type\":\"Create\"", arrived, StringComparison.Ordinal);
        // Generous: on a loaded 2-core machine the 202 and the row's removal can be seconds apart.
        await Until(async () => !await queue.AnyAsync(domain), TimeSpan.FromSeconds(60), "the delivered row was not removed");
    }

    private static Task Until(Func<bool> condition, TimeSpan within, string failure) =>
        Support.Eventually.True(condition, failure, within, TimeSpan.FromMilliseconds(200));

    private static Task Until(Func<Task<bool>> condition, TimeSpan within, string failure) =>
        Support.Eventually.True(condition, failure, within, TimeSpan.FromMilliseconds(200));
}
