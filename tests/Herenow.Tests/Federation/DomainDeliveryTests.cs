using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Federation;

/// <summary>A real silo whose delivery settings are short enough to watch retries, breakers and give-ups happen.</summary>
public abstract class DeliverySiloFixture : IAsyncLifetime
{
    public RealCluster Cluster { get; private set; } = null!;

    protected abstract int MaxAttempts { get; }

    public ActivityDelivery Delivery => Cluster.Silos[0].Services.GetRequiredService<ActivityDelivery>();

    public ActivityRenderer Renderer => Cluster.Silos[0].Services.GetRequiredService<ActivityRenderer>();

    public async Task InitializeAsync()
    {
        Cluster = await RealCluster.StartAsync(silos: 1, new Dictionary<string, string?>
        {
            ["Herenow:Federation:PublicUrl"] = $"http://127.0.0.1:{RealCluster.FreePort()}",
            ["Herenow:Federation:AllowPrivateNetworks"] = "true",
            ["Herenow:Federation:BaseDelay"] = "00:00:00.200",
            ["Herenow:Federation:MaxDelay"] = "00:00:01",
            ["Herenow:Federation:PollPeriod"] = "00:00:00.200",
            ["Herenow:Federation:BreakerThreshold"] = "3",
            ["Herenow:Federation:BreakerOpenFor"] = "00:00:03",
            ["Herenow:Federation:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public Task DisposeAsync() => Cluster.DisposeAsync().AsTask();
}

public sealed class DeliverySiloFixture10 : DeliverySiloFixture
{
    protected override int MaxAttempts => 10;
}

public sealed class DeliverySiloFixture2 : DeliverySiloFixture
{
    protected override int MaxAttempts => 2;
}

/// <summary>A real HTTP inbox on loopback answering each request with the status its script gives for that request's number.</summary>
internal sealed class ScriptedInbox : IAsyncDisposable
{
    private readonly LoopbackServer server;

    private ScriptedInbox(LoopbackServer server) => this.server = server;

    public ConcurrentQueue<(TimeSpan At, string Path, bool SignatureInput, string Body)> Requests { get; } = new();

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public string Domain => $"127.0.0.1:{server.Port}";

    public string Url(string path) => server.Url(path).AbsoluteUri;

    private int inFlight;
    private int maxInFlight;

    /// <summary>The most requests the server was answering at the same time.</summary>
    public int MaxInFlight => Volatile.Read(ref maxInFlight);

    /// <param name="retryAfterSeconds">A Retry-After (delta seconds) to send with the answer to request n, or null.</param>
    /// <param name="holdFor">How long each answer takes (to see how many requests overlap).</param>
    public static async Task<ScriptedInbox> StartAsync(Func<int, int> statusForRequest, Func<int, int?>? retryAfterSeconds = null, TimeSpan holdFor = default)
    {
        ScriptedInbox? inbox = null;
        var count = 0;
        var server = await LoopbackServer.StartAsync(async (context, body) =>
        {
            var number = Interlocked.Increment(ref count);
            inbox!.Requests.Enqueue((inbox.Clock.Elapsed, context.Request.Path, context.Request.Headers.ContainsKey("Signature-Input"), Encoding.UTF8.GetString(body)));
            var now = Interlocked.Increment(ref inbox.inFlight);
            int seen;
            while ((seen = Volatile.Read(ref inbox.maxInFlight)) < now && Interlocked.CompareExchange(ref inbox.maxInFlight, now, seen) != seen)
            {
            }
            try
            {
                if (holdFor > TimeSpan.Zero)
                {
                    await Task.Delay(holdFor);
                }
                context.Response.StatusCode = statusForRequest(number);
                if (retryAfterSeconds?.Invoke(number) is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await context.Response.WriteAsync("");
            }
            finally
            {
                Interlocked.Decrement(ref inbox.inFlight);
            }
        });
        inbox = new ScriptedInbox(server);
        return inbox;
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}

/// <summary>
/// The real DomainDeliveryGrain in a real silo, delivering from the PostgreSQL outbox to a real HTTP inbox on
/// loopback: retries until accepted, gives up on a permanent answer, and stops a retry storm with the breaker.
/// Each test has its own inbox server, so its own domain, grain and breaker.
/// </summary>
[Collection(nameof(DomainDeliveryTests))]
public sealed class DomainDeliveryTests(DeliverySiloFixture10 silo) : IClassFixture<DeliverySiloFixture10>
{
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    internal static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var stop = Stopwatch.StartNew();
        while (stop.Elapsed < (timeout ?? Deadline))
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return await condition();
    }

    internal static Task<long> RowsAsync(RealCluster cluster, string table, string inbox) =>
        cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE inbox = '{inbox}'");

    internal static JsonObject Activity(DeliverySiloFixture silo, string name, string target) =>
        silo.Renderer.Follow("alice", $"{new ApUrls(new Uri("http://127.0.0.1")).Actor("alice")}/follows/{name}-{Guid.NewGuid():N}", target);

    [Fact]
    public async Task A_server_that_fails_twice_gets_the_activity_on_the_third_try_signed_with_rfc9421()
    {
        await using var inbox = await ScriptedInbox.StartAsync(n => n <= 2 ? 500 : 202);
        var target = inbox.Url("/users/bob/inbox");
        var activity = Activity(silo, "a", inbox.Url("/users/bob"));
        var id = activity["id"]!.GetValue<string>();

        await silo.Delivery.SendAsync(activity, "alice", [target]);

        Assert.True(await EventuallyAsync(async () => inbox.Requests.Count >= 3 && await RowsAsync(silo.Cluster, "ap_deliveries", target) == 0),
            $"requests: {inbox.Requests.Count}, rows: {await RowsAsync(silo.Cluster, "ap_deliveries", target)}");
        await Task.Delay(1000); // nothing more is sent once it was accepted
        var requests = inbox.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("/users/bob/inbox", r.Path));
        Assert.All(requests, r => Assert.True(r.SignatureInput, "every request is signed RFC 9421 first"));
        Assert.All(requests, r => Assert.Equal(id, JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()));
        Assert.Equal(0, await RowsAsync(silo.Cluster, "ap_delivery_failures", target));
        var status = await silo.Cluster.Client.GetGrain<IDomainDeliveryGrain>(inbox.Domain).GetStatus();
        Assert.False(status.CircuitOpen);
        Assert.Equal(0, status.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_gone_inbox_is_tried_once_and_the_delivery_given_up()
    {
        await using var inbox = await ScriptedInbox.StartAsync(_ => 410);
        var target = inbox.Url("/users/gone/inbox");

        await silo.Delivery.SendAsync(Activity(silo, "b", inbox.Url("/users/gone")), "alice", [target]);

        Assert.True(await EventuallyAsync(async () => await RowsAsync(silo.Cluster, "ap_delivery_failures", target) == 1));
        Assert.Equal(0, await RowsAsync(silo.Cluster, "ap_deliveries", target));
        await Task.Delay(1000);
        Assert.Single(inbox.Requests);
        Assert.Equal("HTTP 410", await silo.Cluster.Database.ScalarAsync<string>($"SELECT reason FROM ap_delivery_failures WHERE inbox = '{target}'"));
        Assert.Equal(1, await silo.Cluster.Database.ScalarAsync<int>($"SELECT attempts FROM ap_delivery_failures WHERE inbox = '{target}'"));
    }

    [Fact]
    public async Task The_breaker_stops_a_retry_storm_against_a_failing_server()
    {
        await using var inbox = await ScriptedInbox.StartAsync(_ => 500);
        var target = inbox.Url("/users/down/inbox");
        var grain = silo.Cluster.Client.GetGrain<IDomainDeliveryGrain>(inbox.Domain);
        try
        {
            await silo.Delivery.SendAsync(Activity(silo, "c", inbox.Url("/users/down")), "alice", [target]);

            // Three failures (threshold 3) open the circuit for 3 s; then one trial, which fails and re-opens it.
            Assert.True(await EventuallyAsync(() => Task.FromResult(inbox.Requests.Count >= 3)), $"requests: {inbox.Requests.Count}");
            var status = await grain.GetStatus();
            Assert.True(status.CircuitOpen, "three consecutive failures open the circuit");
            Assert.True(status.ConsecutiveFailures >= 3);
            Assert.True(await EventuallyAsync(() => Task.FromResult(inbox.Requests.Count >= 5)), $"requests: {inbox.Requests.Count}");

            var at = inbox.Requests.Select(r => r.At).ToList();
            // Before the breaker opens, retries follow the short backoff (caps 0.2, 0.4 s plus a 0.2 s poll).
            Assert.True(at[2] - at[0] < TimeSpan.FromSeconds(2.5), $"first three within {at[2] - at[0]}");
            Assert.True(at[3] - at[2] >= TimeSpan.FromSeconds(2.5), $"3rd → 4th: {at[3] - at[2]} (circuit should be open for 3 s)");
            Assert.True(at[4] - at[3] >= TimeSpan.FromSeconds(2.5), $"4th → 5th: {at[4] - at[3]} (a failed trial re-opens it)");
            Assert.Equal(1, await RowsAsync(silo.Cluster, "ap_deliveries", target)); // nothing is lost while it is open
        }
        finally
        {
            await silo.Cluster.Database.ScalarAsync<long>($"DELETE FROM ap_deliveries WHERE inbox = '{target}'");
        }
    }

    [Fact]
    public async Task Deliveries_to_one_domain_run_in_parallel_but_no_more_than_the_concurrency_limit()
    {
        await using var inbox = await ScriptedInbox.StartAsync(_ => 202, holdFor: TimeSpan.FromMilliseconds(400));
        var targets = Enumerable.Range(1, 10).Select(i => inbox.Url($"/users/u{i}/inbox")).ToList();

        await silo.Delivery.SendAsync(Activity(silo, "fan", inbox.Url("/users/u1")), "alice", targets);

        Assert.True(await EventuallyAsync(async () => await silo.Cluster.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM ap_deliveries WHERE domain = '{inbox.Domain}'") == 0), $"requests: {inbox.Requests.Count}");
        Assert.Equal(10, inbox.Requests.Count);
        Assert.Equal(10, inbox.Requests.Select(r => r.Path).Distinct().Count());
        Assert.InRange(inbox.MaxInFlight, 2, 4); // ConcurrencyPerDomain defaults to 4
    }

    [Fact]
    public async Task Retry_after_is_waited_for_up_to_the_max_delay()
    {
        // The jittered wait after one failure is at most 0.2 s here; the server asks for 30 s, capped at MaxDelay (1 s).
        await using var inbox = await ScriptedInbox.StartAsync(n => n == 1 ? 429 : 202, n => n == 1 ? 30 : null);
        var target = inbox.Url("/users/busy/inbox");

        await silo.Delivery.SendAsync(Activity(silo, "ra", inbox.Url("/users/busy")), "alice", [target]);

        Assert.True(await EventuallyAsync(async () => inbox.Requests.Count >= 2 && await RowsAsync(silo.Cluster, "ap_deliveries", target) == 0),
            $"requests: {inbox.Requests.Count}");
        var at = inbox.Requests.Select(r => r.At).ToList();
        Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(0.9), $"retried after {at[1] - at[0]}; Retry-After (capped at 1 s) should hold it back");
        Assert.True(at[1] - at[0] < TimeSpan.FromSeconds(10), $"retried after {at[1] - at[0]}; Retry-After should be capped at MaxDelay");
    }

    [Fact]
    public async Task An_undo_queued_behind_its_failing_follow_waits_its_turn()
    {
        await using var inbox = await ScriptedInbox.StartAsync(n => n == 1 ? 503 : 202);
        var target = inbox.Url("/users/fifo/inbox");
        var first = Activity(silo, "first", inbox.Url("/users/fifo"));
        var second = silo.Renderer.Undo("alice", (JsonObject)first.DeepClone());

        await silo.Delivery.SendAsync(first, "alice", [target]);
        await silo.Delivery.SendAsync(second, "alice", [target]);

        Assert.True(await EventuallyAsync(async () => inbox.Requests.Count >= 3 && await RowsAsync(silo.Cluster, "ap_deliveries", target) == 0),
            $"requests: {inbox.Requests.Count}");
        var ids = inbox.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()).ToList();
        Assert.Equal([first["id"]!.GetValue<string>(), first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>()], ids);
    }

    [Fact]
    public async Task An_activity_about_another_object_is_not_held_back_by_a_failing_one()
    {
        var stuck = Activity(silo, "stuck", "http://127.0.0.1/users/x");
        var stuckId = stuck["id"]!.GetValue<string>();
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var inbox = await LoopbackServer.StartAsync((context, body) =>
        {
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
            context.Response.StatusCode = id == stuckId ? 503 : 202;
            if (id != stuckId) delivered.TrySetResult();
            return Task.CompletedTask;
        });
        var target = inbox.Url("/users/hol/inbox").AbsoluteUri;
        await silo.Delivery.SendAsync(stuck, "alice", [target]);
        await silo.Delivery.SendAsync(Activity(silo, "free", "http://127.0.0.1/users/x"), "alice", [target]);

        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await RowsAsync(silo.Cluster, "ap_deliveries", target)); // the failing one still waits its retries
        await silo.Cluster.Database.ExecuteAsync($"DELETE FROM ap_deliveries WHERE inbox = '{target}'");
    }
}

/// <summary>MaxAttempts 2 in its own silo: a server that never recovers is given up on after two attempts.</summary>
[Collection(nameof(DomainDeliveryTests))]
public sealed class DomainDeliveryGiveUpTests(DeliverySiloFixture2 silo) : IClassFixture<DeliverySiloFixture2>
{
    [Fact]
    public async Task A_server_that_keeps_failing_is_given_up_on_after_max_attempts()
    {
        await using var inbox = await ScriptedInbox.StartAsync(_ => 503);
        var target = inbox.Url("/inbox");

        await silo.Delivery.SendAsync(DomainDeliveryTests.Activity(silo, "d", inbox.Url("/users/x")), "alice", [target]);

        Assert.True(await DomainDeliveryTests.EventuallyAsync(async () => await DomainDeliveryTests.RowsAsync(silo.Cluster, "ap_delivery_failures", target) == 1),
            $"requests: {inbox.Requests.Count}");
        Assert.Equal(0, await DomainDeliveryTests.RowsAsync(silo.Cluster, "ap_deliveries", target));
        await Task.Delay(1500); // longer than MaxDelay and several polls: no third attempt
        Assert.Equal(2, inbox.Requests.Count);
        Assert.Equal(2, await silo.Cluster.Database.ScalarAsync<int>($"SELECT attempts FROM ap_delivery_failures WHERE inbox = '{target}'"));
        var reason = await silo.Cluster.Database.ScalarAsync<string>($"SELECT reason FROM ap_delivery_failures WHERE inbox = '{target}'");
        Assert.Equal("2 attempts; last: HTTP 503", reason);
    }
}
