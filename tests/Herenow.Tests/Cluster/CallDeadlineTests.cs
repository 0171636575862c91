using Herenow.Grains.Accounts;
using Herenow.Grains.Cluster;
using Herenow.Tests.Support;

namespace Herenow.Tests.Cluster;

/// <summary>Silos refuse a call whose caller's deadline has passed, before it runs (see HungSiloTests for why).</summary>
public sealed class CallDeadlineTests : IAsyncLifetime
{
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_call_past_its_deadline_is_refused_unrun_and_one_within_it_runs()
    {
        var user = await host.RegisterAsync("late");
        try
        {
            RequestContext.Set(CallDeadline.Key, DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds());
            await Assert.ThrowsAsync<TimeoutException>(() => user.UpdateProfile(new ProfileUpdate("too late", null, null, null)));

            RequestContext.Set(CallDeadline.Key, DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds());
            Assert.Equal("in time", (await user.UpdateProfile(new ProfileUpdate("in time", null, null, null)))?.DisplayName);
        }
        finally
        {
            RequestContext.Clear();
        }
        Assert.Equal("in time", (await user.GetAccount(null))?.DisplayName);
    }
}
