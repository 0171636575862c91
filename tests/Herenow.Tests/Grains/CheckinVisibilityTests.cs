using CsCheck;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;

namespace Herenow.Tests.Grains;

/// <summary>
/// The visibility policy on its own, case by case: what a viewer may see of one check-in given how its author relates
/// to them now. No silo, no database: every read path asks this function, so this is where its rules are pinned.
/// </summary>
public sealed class CheckinVisibilityTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Relationship Author = new(Exists: true, ViewerFollows: false, BlocksViewer: false, IsSelf: true);
    private static readonly Relationship Follower = new(Exists: true, ViewerFollows: true, BlocksViewer: false, IsSelf: false);
    private static readonly Relationship Stranger = new(Exists: true, ViewerFollows: false, BlocksViewer: false, IsSelf: false);
    // Anonymous callers relate to an author as a stranger does (UserGrain.GetRelationship(null)).
    private static readonly Relationship Anonymous = Stranger;
    // A block ends the follow, but the policy must hide even if a stale follow edge were still reported.
    private static readonly Relationship Blocked = new(Exists: true, ViewerFollows: true, BlocksViewer: true, IsSelf: false);

    private static Relationship Deleted(Relationship r) => r with { Exists = false };

    private static CheckinRecord Checkin(Visibility visibility = Visibility.Public, bool inPrivacyZone = false,
        DateTimeOffset? publishAt = null, bool heldUntilNext = false) =>
        new("0000000000000000001", "alice", new PlaceSnapshot("p1", "Café", 52.52, 13.405, "cafe"), 52.52, 13.405, 5, "hi",
            visibility, [], Now.AddHours(-1), 0, InPrivacyZone: inPrivacyZone, PublishAt: publishAt, HeldUntilNext: heldUntilNext);

    public static TheoryData<Visibility> AllVisibilities => [Visibility.Public, Visibility.Followers, Visibility.Private];

    [Theory]
    [MemberData(nameof(AllVisibilities))]
    public void The_author_sees_all_of_every_own_checkin(Visibility visibility)
    {
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(visibility), Author, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(visibility, inPrivacyZone: true), Author, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(visibility, heldUntilNext: true), Author, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(visibility, publishAt: Now.AddDays(1)), Author, Now));
        Assert.True(CheckinVisibility.MaySee(visibility, Author));
        Assert.True(CheckinVisibility.MaySeeAuthor(Author));
    }

    [Fact]
    public void A_follower_sees_public_and_followers_only_but_not_private()
    {
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Public), Follower, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Followers), Follower, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Private), Follower, Now));
        Assert.True(CheckinVisibility.MaySee(Visibility.Followers, Follower));
        Assert.False(CheckinVisibility.MaySee(Visibility.Private, Follower));
    }

    [Fact]
    public void A_non_follower_and_an_anonymous_caller_see_public_only()
    {
        foreach (var viewer in new[] { Stranger, Anonymous })
        {
            Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Public), viewer, Now));
            Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Followers), viewer, Now));
            Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Private), viewer, Now));
            Assert.True(CheckinVisibility.MaySee(Visibility.Public, viewer));
            Assert.False(CheckinVisibility.MaySee(Visibility.Followers, viewer));
            Assert.True(CheckinVisibility.MaySeeAuthor(viewer));
        }
    }

    [Theory]
    [MemberData(nameof(AllVisibilities))]
    public void Someone_the_author_blocks_sees_nothing_of_the_author(Visibility visibility)
    {
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(visibility), Blocked, Now));
        Assert.False(CheckinVisibility.MaySee(visibility, Blocked));
        Assert.False(CheckinVisibility.MaySeeAuthor(Blocked));
    }

    [Fact]
    public void A_private_checkin_is_its_authors_alone()
    {
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Private), Author, Now));
        foreach (var viewer in new[] { Follower, Stranger, Blocked })
        {
            Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Private), viewer, Now));
        }
    }

    [Fact]
    public void Followers_only_is_for_followers_and_the_author()
    {
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Followers), Author, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Followers), Follower, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Followers), Stranger, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Followers), Blocked, Now));
    }

    [Fact]
    public void Post_later_for_a_delay_is_hidden_from_others_until_PublishAt_and_shown_from_then_on()
    {
        var held = Checkin(Visibility.Public, publishAt: Now.AddMinutes(10));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(held, Follower, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(held, Stranger, Now.AddMinutes(10).AddTicks(-1)));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(held, Author, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(held, Stranger, Now.AddMinutes(10))); // at PublishAt exactly
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(held, Follower, Now.AddDays(1)));
        // Published does not widen the audience: a followers-only one stays hidden from strangers after its release.
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Followers, publishAt: Now.AddMinutes(-1)), Stranger, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Followers, publishAt: Now.AddMinutes(-1)), Follower, Now));
    }

    [Fact]
    public void Post_later_until_the_next_checkin_is_hidden_from_others_whatever_the_time()
    {
        var held = Checkin(Visibility.Public, heldUntilNext: true);
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(held, Follower, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(held, Stranger, Now.AddYears(1)));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(held, Author, Now));
        // Released (the author's next check-in clears the hold and sets PublishAt): shown.
        var released = held with { HeldUntilNext = false, PublishAt = Now };
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(released, Stranger, Now));
    }

    [Fact]
    public void A_privacy_zone_hides_the_place_from_everyone_but_the_author()
    {
        var inZone = Checkin(Visibility.Public, inPrivacyZone: true);
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(inZone, Author, Now));
        Assert.Equal(CheckinAccess.WithoutPlace, CheckinVisibility.Of(inZone, Follower, Now));
        Assert.Equal(CheckinAccess.WithoutPlace, CheckinVisibility.Of(inZone, Stranger, Now));
        Assert.Equal(CheckinAccess.WithoutPlace, CheckinVisibility.Of(Checkin(Visibility.Followers, inPrivacyZone: true), Follower, Now));
        // The zone never widens what a viewer sees: what is hidden stays hidden.
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Followers, inPrivacyZone: true), Stranger, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(inZone, Blocked, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Public, inPrivacyZone: true, heldUntilNext: true), Follower, Now));
    }

    [Theory]
    [MemberData(nameof(AllVisibilities))]
    public void A_deleted_account_does_not_exist_for_anyone_not_even_its_author(Visibility visibility)
    {
        foreach (var viewer in new[] { Author, Follower, Stranger, Blocked })
        {
            Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(visibility), Deleted(viewer), Now));
            Assert.False(CheckinVisibility.MaySee(visibility, Deleted(viewer)));
            Assert.False(CheckinVisibility.MaySeeAuthor(Deleted(viewer)));
        }
    }

    [Fact]
    public void A_fediverse_viewer_sees_only_accounts_that_exist_and_federate_and_follows_only_through_the_federated_graph()
    {
        var federating = new AccountSettings(Visibility.Public, ActivityPub: true);
        var remoteFollower = CheckinVisibility.FederatedViewer(federating, followsAuthor: true);
        var remoteStranger = CheckinVisibility.FederatedViewer(federating, followsAuthor: false);
        Assert.False(remoteFollower.IsSelf);
        Assert.False(remoteFollower.BlocksViewer);

        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Public), remoteStranger, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Followers), remoteStranger, Now));
        Assert.Equal(CheckinAccess.Full, CheckinVisibility.Of(Checkin(Visibility.Followers), remoteFollower, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Private), remoteFollower, Now));
        Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Public, heldUntilNext: true), remoteFollower, Now));
        Assert.Equal(CheckinAccess.WithoutPlace, CheckinVisibility.Of(Checkin(Visibility.Public, inPrivacyZone: true), remoteStranger, Now));

        // No such account, ActivityPub switched off, or being deleted: it does not exist for the fediverse.
        foreach (var settings in new[] { null, federating with { ActivityPub = false }, federating with { Deleting = true } })
        {
            var viewer = CheckinVisibility.FederatedViewer(settings, followsAuthor: true);
            Assert.Equal(CheckinAccess.Hidden, CheckinVisibility.Of(Checkin(Visibility.Public), viewer, Now));
        }
    }

    private static readonly Gen<Relationship> AnyRelationship =
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, (exists, follows, blocks, self) => new Relationship(exists, follows, blocks, self));

    private static readonly Gen<CheckinRecord> AnyCheckin =
        Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Int[-2, 2], Gen.Bool, (v, zone, publishIn, untilNext) =>
            Checkin((Visibility)v, zone, publishIn == 0 ? null : Now.AddMinutes(publishIn), untilNext));

    [Fact]
    public void The_entry_rule_never_admits_what_the_record_rule_hides_and_the_author_rule_bounds_both()
    {
        // Lists filter entries with MaySee before reading records (and delete notices only have the entry): it must be
        // a necessary condition of Of, and both need MaySeeAuthor.
        Gen.Select(AnyCheckin, AnyRelationship).Sample((record, relationship) =>
        {
            var access = CheckinVisibility.Of(record, relationship, Now);
            var entry = CheckinVisibility.MaySee(record.Visibility, relationship);
            return (access == CheckinAccess.Hidden || entry) && (!entry || CheckinVisibility.MaySeeAuthor(relationship)) &&
                   // The only difference between them is the record: held, and the privacy zone (which only narrows).
                   (access != CheckinAccess.Hidden || !entry || (!relationship.IsSelf && !record.IsPublished(Now))) &&
                   (access != CheckinAccess.WithoutPlace || (record.InPrivacyZone && !relationship.IsSelf)) &&
                   (!(relationship.Exists && relationship.IsSelf) || access == CheckinAccess.Full);
        });
    }
}
