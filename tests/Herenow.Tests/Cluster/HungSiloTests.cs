using System.Diagnostics;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using Xunit.Abstractions;

namespace Herenow.Tests.Cluster;

/// <summary>Tests that run real silo processes: alone, after the rest of the suite, so they get the CPU they measure.</summary>
[CollectionDefinition(nameof(SiloProcessCollection), DisableParallelization = true)]
public sealed class SiloProcessCollection;

/// <summary>
/// A silo that hangs (SIGSTOP: alive, connections open, answering nothing) on the real membership table.
///
/// What Orleans guarantees: the other silos' probes fail, the silo is declared Dead in the table, and its grains are
/// activated again elsewhere on their next call, from their last stored state. Single activation is only eventually
/// guaranteed: until the frozen process runs again and learns it was declared dead, its old activations still exist
/// in its memory, with the state and the ETag they loaded. Storage writes are ETag-checked, so a write from such a
/// stale activation fails (InconsistentStateException) once the new activation has written; and a silo that finds
/// itself declared dead kills itself (a fatal error, Environment.FailFast) rather than rejoin.
/// What it does not guarantee: a request that waited in the frozen silo's sockets may, when the silo resumes, be
/// handed on to the new activation and run there, after its caller timed out and after newer writes — a late
/// request that would write an old intention over newer state.
///
/// What Herenow adds: a schema in which a stale write can never succeed silently (every write returns exactly one
/// row, the version is compared in the UPDATE itself, and a first write is an INSERT against a real primary key —
/// ADR 0002), membership values under which a hung silo is declared dead in about 25–30 s instead of about 60 s
/// (ADR 0014), a deadline on every request that silos enforce before running a call, so the late hand-over is
/// refused (CallDeadline), and this test.
/// </summary>
[Collection(nameof(SiloProcessCollection))]
public sealed class HungSiloTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Users = 24;
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private SiloProcessCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await SiloProcessCluster.StartAsync(silos: 3, within: TimeSpan.FromSeconds(60));

    public async Task DisposeAsync()
    {
        if (cluster is null) return; // start-up failed and cleaned up after itself
        foreach (var silo in cluster.Silos)
        {
            output.WriteLine($"--- {silo.Name} (port {silo.SiloPort}, pid {silo.Pid}, exited: {silo.HasExited}), last lines:");
            foreach (var line in silo.Output.Where(l => !l.Contains("    at ", StringComparison.Ordinal)).TakeLast(25))
            {
                output.WriteLine(line);
            }
        }
        await cluster.DisposeAsync();
    }

    [Fact(Timeout = 170_000)]
    public async Task A_hung_silo_is_declared_dead_its_grains_move_and_once_resumed_it_writes_no_stale_state_and_exits()
    {
        var clock = Stopwatch.StartNew();
        var client = cluster.Client;
        var names = Enumerable.Range(0, Users).Select(i => $"hung{i}").ToList();
        var checkins = new Dictionary<string, string>();
        foreach (var name in names)
        {
            var user = client.GetGrain<IUserGrain>(name);
            Assert.NotNull(await user.Register(new NewAccount(name, $"{name} before", "hash")));
            checkins[name] = (await user.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "before", Visibility.Public, []))).Id;
        }

        // The victim: the silo that hosts the most of these user grains.
        var management = client.GetGrain<IManagementGrain>(0);
        var hostOf = new Dictionary<string, SiloProcess?>();
        foreach (var name in names)
        {
            hostOf[name] = cluster.Owning(await management.GetActivationAddress(client.GetGrain<IUserGrain>(name)));
        }
        var victim = hostOf.Values.OfType<SiloProcess>().GroupBy(s => s).OrderByDescending(g => g.Count()).First().Key;
        var onVictim = names.Where(n => hostOf[n] == victim).ToList();
        Assert.True(onVictim.Count >= 2, $"placement put {onVictim.Count} of {Users} users on the busiest silo");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: victim {victim.Name} (port {victim.SiloPort}) hosts {onVictim.Count} of {Users} users");

        // Freeze it. Writes sent to its grains now wait unread in its sockets: when it resumes it runs them against
        // the state (and ETag) its activations loaded before the freeze, or hands them on.
        victim.Signal(SiloProcess.SigStop);
        var frozen = Stopwatch.StartNew();
        var staleWrites = onVictim.Select(n => client.GetGrain<IUserGrain>(n).UpdateProfile(new ProfileUpdate($"{n} stale", null, null, null))).ToList();

        // Declared dead in the table; the process is still there, frozen.
        await Eventually.Value(() => cluster.StatusAsync(victim), status => status == 6, "the frozen silo declared dead (status 6)",
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: declared dead {frozen.Elapsed.TotalSeconds:F1} s after SIGSTOP");
        Assert.False(victim.HasExited);
        Assert.Equal(2, await cluster.CountAsync(3));
        // Their callers have given up (the 10 s response timeout): none of those writes was acknowledged.
        await Task.WhenAny(Task.WhenAll(staleWrites), Task.Delay(TimeSpan.FromSeconds(15)));
        Assert.All(staleWrites, t => Assert.True(t.IsFaulted || t.IsCanceled, $"a write to the frozen silo completed: {t.Status}"));

        // Its grains answer from the other silos with the state stored before the freeze, and take new writes:
        // fields only the new activations write (the note, a second check-in).
        foreach (var name in onVictim)
        {
            var user = client.GetGrain<IUserGrain>(name);
            var account = await Retried(() => user.GetAccount(null));
            Assert.Equal($"{name} before", account?.DisplayName);
            Assert.Equal([checkins[name]], await History(user));
            var updated = await Retried(() => user.UpdateProfile(new ProfileUpdate($"{name} after", "written after the freeze", null, null)));
            Assert.Equal($"{name} after", updated?.DisplayName);
            checkins[name + "/after"] = (await Retried(() => user.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "after", Visibility.Public, [])))).Id;
            Assert.NotSame(victim, cluster.Owning(await Retried(() => management.GetActivationAddress(user).AsTask())));
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {onVictim.Count} grains moved and written again");

        // Thaw it. It finds itself dead at its first table read and ends itself (Environment.FailFast). Until then it
        // still runs what waited in its sockets: its stale activations' writes fail their ETag check.
        victim.Signal(SiloProcess.SigCont);
        var resumed = Stopwatch.StartNew();
        Assert.True(await victim.WaitForExitAsync(TimeSpan.FromSeconds(45)), "the resumed silo did not exit within 45 s of SIGCONT");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the resumed silo exited {resumed.Elapsed.TotalSeconds:F1} s after SIGCONT (exit code {victim.Process.ExitCode})");
        var rejected = victim.Output.Count(l => l.Contains("InconsistentStateException: Version conflict", StringComparison.Ordinal) && l.Contains("Error from storage provider", StringComparison.Ordinal));
        output.WriteLine($"writes of its stale activations rejected by their ETag: {rejected}");

        // No stale state landed: a fresh activation (the current one deactivated first) reads what the new activations
        // wrote. A whole-state write from a stale activation would have brought back the empty note and the one-entry
        // history it loaded before the freeze.
        var replayed = new List<string>();
        foreach (var name in onVictim)
        {
            var user = client.GetGrain<IUserGrain>(name);
            await Retried(async () => { await management.DeactivateGrain(user.GetGrainId(), CancellationToken.None); return true; });
            var account = await Retried(() => user.GetAccount(null));
            Assert.Equal("written after the freeze", account?.Note);
            Assert.Equal([checkins[name + "/after"], checkins[name]], await History(user));
            // The display name is the newer write's: the frozen silo may hand the write its caller gave up on to the
            // new activation when it resumes (Orleans re-routes a dead silo's queued requests), but that call's
            // deadline has passed, so the new activation refuses it unrun (CallDeadlineFilter).
            if (account?.DisplayName == $"{name} stale") replayed.Add(name);
        }
        output.WriteLine($"late requests the new activations ran after their deadline: {replayed.Count} ({string.Join(", ", replayed)})");
        Assert.Empty(replayed);
        Assert.Equal(2, await cluster.CountAsync(3));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: done");
    }

    private static async Task<List<string>> History(IUserGrain user) =>
        (await Retried(() => user.GetHistory(PageQuery.First(10), true, true))).Select(e => e.Id).ToList();

    /// <summary>A call retried while the cluster settles (calls routed by the old view fail or time out), for at most 40 s.</summary>
    private static Task<T> Retried<T>(Func<Task<T>> call) =>
        Eventually.Succeeds(call, e => e is OrleansException or TimeoutException, TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(250));
}

/// <summary>
/// The storage contract the test above relies on, checked directly: the ETag a stale activation holds (one that
/// loaded its state before a newer activation wrote) no longer matches, so its write fails and changes nothing.
/// </summary>
public sealed class StaleActivationWriteTests : IAsyncLifetime
{
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_write_with_the_etag_a_frozen_activation_loaded_is_rejected_and_changes_nothing()
    {
        var user = await host.RegisterAsync("frozen");
        var storage = host.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        // What the frozen silo's activation holds: the state and ETag as loaded before the freeze.
        var stale = new GrainState<UserState>();
        await storage.ReadStateAsync("user", user.GetGrainId(), stale);
        Assert.NotNull(stale.ETag);

        // The new activation writes.
        await user.UpdateProfile(new ProfileUpdate("newer", "newer note", null, null));

        // The frozen one resumes and writes its whole state.
        stale.State!.DisplayName = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", user.GetGrainId(), stale));

        var stored = new GrainState<UserState>();
        await storage.ReadStateAsync("user", user.GetGrainId(), stored);
        Assert.Equal("newer", stored.State!.DisplayName);
        Assert.Equal("newer note", stored.State.Note);
    }
}
