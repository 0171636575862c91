using Herenow.Api.Sessions;
using Microsoft.Extensions.Options;

namespace Herenow.Tests.Runtime;

public sealed class SessionCacheTests
{
    private readonly ManualClock clock = new();

    private SessionCache Cache(int lifetimeSeconds = 5, int maxEntries = 100) => new(clock,
        Options.Create(new SessionCacheOptions { Lifetime = TimeSpan.FromSeconds(lifetimeSeconds), MaxEntries = maxEntries }));

    [Fact]
    public void A_checked_token_is_trusted_for_the_lifetime_only()
    {
        var cache = Cache();
        cache.Set("h1", "alice", cache.Generation);

        Assert.True(cache.TryGet("h1", out var username));
        Assert.Equal("alice", username);
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(cache.TryGet("h1", out _));
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(cache.TryGet("h1", out _));
    }

    [Fact]
    public void Sign_out_evicts_the_token_and_deletion_every_token_of_the_account()
    {
        var cache = Cache();
        cache.Set("a1", "alice", cache.Generation);
        cache.Set("a2", "alice", cache.Generation);
        cache.Set("b1", "bob", cache.Generation);

        cache.Evict("a1");
        Assert.False(cache.TryGet("a1", out _));
        Assert.True(cache.TryGet("a2", out _));

        cache.EvictAccount("Alice");
        Assert.False(cache.TryGet("a2", out _));
        Assert.True(cache.TryGet("b1", out _));
    }

    [Fact]
    public void A_check_that_began_before_an_eviction_is_not_stored()
    {
        var cache = Cache();
        var before = cache.Generation; // the grain is asked ...
        cache.Evict("h1");             // ... meanwhile the token is signed out on this instance
        cache.Set("h1", "alice", before);

        Assert.False(cache.TryGet("h1", out _));
    }

    [Fact]
    public void The_size_is_bounded_and_expired_tokens_go_first()
    {
        var cache = Cache(maxEntries: 100);
        for (var i = 0; i < 100; i++) cache.Set("old" + i, "u", cache.Generation);
        clock.Advance(TimeSpan.FromSeconds(6));
        cache.Set("new", "u", cache.Generation);
        Assert.Equal(1, cache.Count);

        for (var i = 0; i < 500; i++) cache.Set("t" + i, "u", cache.Generation);
        Assert.True(cache.Count <= 100, $"{cache.Count} entries");
        Assert.True(cache.TryGet("t499", out _));
    }

    [Fact]
    public void A_zero_lifetime_turns_it_off()
    {
        var cache = Cache(lifetimeSeconds: 0);
        cache.Set("h1", "alice", cache.Generation);
        Assert.False(cache.TryGet("h1", out _));
    }
}
