using Herenow.Grains.Checkins;
using Herenow.Grains.Federation;

namespace Herenow.Tests.Federation;

/// <summary>
/// The fan-out skips the relay call only when the event certainly goes nowhere (<see cref="FederationGrain.MayRelay"/>):
/// a wrong "no" would silently keep a post, or the delete of one already sent, from the fediverse.
/// </summary>
public sealed class RelayTargetsTests
{
    private static CheckinEvent Event(Visibility visibility, RelayTargets? relay, bool deleted = false) =>
        new("01JCHECKIN", "ann", "place-1", visibility, DateTimeOffset.UnixEpoch, deleted, Relay: relay);

    [Theory]
    [InlineData(Visibility.Public, true, true, true)]
    [InlineData(Visibility.Public, true, false, true)]
    [InlineData(Visibility.Public, false, true, true)]
    [InlineData(Visibility.Public, false, false, false)]
    [InlineData(Visibility.Followers, true, false, true)] // ActivityPub carries followers-only check-ins
    [InlineData(Visibility.Followers, false, true, false)] // an AT Protocol repository is public: nothing goes there
    public void Relays_only_where_the_author_relays(Visibility visibility, bool activityPub, bool atproto, bool expected) =>
        Assert.Equal(expected, FederationGrain.MayRelay(Event(visibility, new RelayTargets(activityPub, atproto))));

    [Fact]
    public void A_private_checkin_never_leaves_its_author() =>
        Assert.False(FederationGrain.MayRelay(Event(Visibility.Private, new RelayTargets(true, true))));

    [Fact]
    public void Unknown_targets_are_looked_up_by_the_relay() =>
        Assert.True(FederationGrain.MayRelay(Event(Visibility.Public, relay: null)));

    [Fact]
    public void A_delete_goes_out_even_after_the_author_turned_federation_off() =>
        Assert.True(FederationGrain.MayRelay(Event(Visibility.Followers, new RelayTargets(false, false), deleted: true)));
}
