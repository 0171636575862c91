using System.Diagnostics;
using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Cluster;

/// <summary>
/// How long silos take to agree on who is in the cluster after a change (separate silo hosts on the real ADO.NET
/// membership table, TCP between them). Each silo's view is its own <see cref="IClusterMembershipService"/> snapshot.
/// </summary>
public sealed class MembershipAgreementTests(ITestOutputHelper output) : IAsyncLifetime
{
    // A correctness bound, not a speed target: silos tell each other about a change by gossip right away, and each
    // re-reads the table on its own schedule anyway, so a view that is still wrong after 30 s means a silo missed the
    // change. The measured times go to the test output.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private RealCluster host = null!;

    public async Task InitializeAsync() => host = await RealCluster.StartAsync(silos: 2);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private List<IServiceProvider> Running => host.Silos.Select(silo => silo.Services).ToList();

    [Fact]
    public async Task All_silos_list_the_same_active_silos_within_30_seconds_after_one_joins_and_after_one_leaves()
    {
        var watch = Stopwatch.StartNew();
        await host.StartSiloAsync();
        var joinTook = watch.Elapsed;
        var afterJoin = await MembershipViews.TimeUntilAgreementAsync(Running, Bound);
        output.WriteLine($"join: the silo started in {joinTook.TotalMilliseconds:F0} ms; all 3 silos agreed {afterJoin.TotalMilliseconds:F0} ms later");
        Assert.True(MembershipViews.Agree(Running), $"no agreement {afterJoin} after the join: {MembershipViews.Describe(Running)}");
        Assert.True(afterJoin < Bound);

        // One of the original silos leaves, not the one that just joined.
        watch.Restart();
        await host.StopSiloAsync(host.Silos[0]);
        var leaveTook = watch.Elapsed;
        var afterLeave = await MembershipViews.TimeUntilAgreementAsync(Running, Bound);
        output.WriteLine($"leave: the silo stopped in {leaveTook.TotalMilliseconds:F0} ms; the 2 others agreed {afterLeave.TotalMilliseconds:F0} ms later");
        Assert.True(MembershipViews.Agree(Running), $"no agreement {afterLeave} after the leave: {MembershipViews.Describe(Running)}");
        Assert.True(afterLeave < Bound);
    }
}
