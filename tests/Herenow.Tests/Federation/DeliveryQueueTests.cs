using Herenow.Grains.Federation.ActivityPub;
using Herenow.Tests.Support;
using Npgsql;

namespace Herenow.Tests.Federation;

/// <summary>The ap_deliveries outbox on a real, migrated PostgreSQL database.</summary>
public sealed class DeliveryQueueTests : IAsyncLifetime
{
    private const string Domain = "remote.example";
    private const string Inbox = "https://remote.example/users/bob/inbox";
    private const string SharedInbox = "https://remote.example/inbox";
    private const string CarolInbox = "https://remote.example/users/carol/inbox";
    private const string OtherInbox = "https://other.example:8443/inbox";

    private static readonly string[] OneInbox = [Inbox];
    private static readonly string[] ThreeInboxesTwoDomains = [Inbox, SharedInbox, CarolInbox, OtherInbox];

    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;
    private DeliveryQueue queue = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        queue = new DeliveryQueue(dataSource, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    private Task<long> CountAsync(string table) => database.ScalarAsync<long>($"SELECT count(*) FROM {table}");

    private static string Body(string id) => $$"""{"id":"{{id}}","type":"Create"}""";

    [Fact]
    public void The_domain_is_the_host_with_a_non_default_port()
    {
        Assert.Equal("remote.example", DeliveryQueue.DomainOf("https://Remote.Example/inbox"));
        Assert.Equal("remote.example", DeliveryQueue.DomainOf("https://remote.example:443/inbox"));
        Assert.Equal("other.example:8443", DeliveryQueue.DomainOf(OtherInbox));
        Assert.Equal("127.0.0.1:5080", DeliveryQueue.DomainOf("http://127.0.0.1:5080/inbox"));
        Assert.Equal("", DeliveryQueue.DomainOf("not a url"));
    }

    [Fact]
    public async Task Enqueueing_the_same_activity_twice_queues_it_once_per_inbox()
    {
        var first = await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", Body("https://h.example/a/1"), OneInbox);
        var second = await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", Body("https://h.example/a/1"), OneInbox);
        // Duplicates within one call collapse too.
        await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", Body("https://h.example/a/1"), [Inbox, Inbox]);

        Assert.Equal(1, await CountAsync("ap_deliveries"));
        Assert.Equal([Domain], first);
        Assert.Equal([Domain], second); // the domain is woken again even though nothing was new
        var due = Assert.Single(await queue.DueAsync(Domain, 10));
        Assert.Equal("https://h.example/a/1", due.ActivityId);
        Assert.Equal("alice", due.Signer);
        Assert.Equal(Inbox, due.Inbox);
        Assert.Equal(0, due.Attempts);
        Assert.Equal(Body("https://h.example/a/1"), due.Body);
    }

    [Fact]
    public async Task Inboxes_that_are_not_urls_are_skipped()
    {
        var domains = await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", "{}", ["", "relative/inbox", "::"]);

        Assert.Empty(domains);
        Assert.Equal(0, await CountAsync("ap_deliveries"));
    }

    [Fact]
    public async Task One_inbox_is_first_in_first_out_per_object_so_a_delete_cannot_overtake_its_create()
    {
        await queue.EnqueueAsync("https://h.example/c1/activity", "https://h.example/c1", "alice", Body("create"), OneInbox);
        await queue.EnqueueAsync("https://h.example/c1#delete", "https://h.example/c1", "alice", Body("delete"), OneInbox);

        var head = Assert.Single(await queue.DueAsync(Domain, 10));
        Assert.Equal("https://h.example/c1/activity", head.ActivityId);

        // The Create fails and waits: the Delete behind it must wait too, although it is itself due.
        await queue.RetryLaterAsync(head.Id, 1, DateTimeOffset.UtcNow.AddHours(1), "HTTP 503");
        Assert.Empty(await queue.DueAsync(Domain, 10));
        Assert.True(await queue.AnyAsync(Domain));

        // Once the Create is due again, it is still the head.
        await queue.RetryLaterAsync(head.Id, 1, DateTimeOffset.UtcNow.AddSeconds(-1), "HTTP 503");
        var again = Assert.Single(await queue.DueAsync(Domain, 10));
        Assert.Equal(head.Id, again.Id);
        Assert.Equal(1, again.Attempts);

        await queue.DeliveredAsync(head.Id);
        var next = Assert.Single(await queue.DueAsync(Domain, 10));
        Assert.Equal("https://h.example/c1#delete", next.ActivityId);

        await queue.DeliveredAsync(next.Id);
        Assert.Empty(await queue.DueAsync(Domain, 10));
        Assert.False(await queue.AnyAsync(Domain));
    }

    [Fact]
    public async Task Activities_about_different_objects_do_not_wait_for_each_other_in_one_inbox()
    {
        await queue.EnqueueAsync("https://h.example/n1/activity", "https://h.example/n1", "alice", Body("n1"), OneInbox);
        await queue.EnqueueAsync("https://h.example/n2/activity", "https://h.example/n2", "alice", Body("n2"), OneInbox);
        var both = await queue.DueAsync(Domain, 10);
        Assert.Equal(2, both.Count);

        // The first keeps failing: the second, about another note, is still due.
        await queue.RetryLaterAsync(both.Single(d => d.ActivityId.Contains("n1", StringComparison.Ordinal)).Id, 1, DateTimeOffset.UtcNow.AddHours(1), "HTTP 503");
        Assert.Equal("https://h.example/n2/activity", Assert.Single(await queue.DueAsync(Domain, 10)).ActivityId);
    }

    [Fact]
    public async Task Different_inboxes_of_a_domain_come_together_up_to_the_limit()
    {
        // Two activities about the same note (a Create and its Delete): the second waits behind the first in each inbox.
        var domains = await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/note", "alice", Body("1"), ThreeInboxesTwoDomains);
        await queue.EnqueueAsync("https://h.example/a/2", "https://h.example/note", "alice", Body("2"), ThreeInboxesTwoDomains);

        Assert.Equal(["other.example:8443", "remote.example"], domains.Order(StringComparer.Ordinal));
        var all = await queue.DueAsync(Domain, 10);
        Assert.Equal(3, all.Count); // one per inbox: the second activity waits behind the first in each
        Assert.Equal([SharedInbox, Inbox, CarolInbox], all.Select(d => d.Inbox).Order(StringComparer.Ordinal));
        Assert.All(all, d => Assert.Equal("https://h.example/a/1", d.ActivityId));
        Assert.Equal(2, (await queue.DueAsync(Domain, 2)).Count);
        Assert.Single(await queue.DueAsync(Domain, 1));
        var other = Assert.Single(await queue.DueAsync("other.example:8443", 10));
        Assert.Equal(OtherInbox, other.Inbox);
        Assert.Empty(await queue.DueAsync("third.example", 10));
    }

    [Fact]
    public async Task A_row_rescheduled_into_the_future_is_not_due_but_other_inboxes_are()
    {
        await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", Body("1"), [Inbox, SharedInbox]);
        var rows = await queue.DueAsync(Domain, 10);
        var bob = rows.Single(r => r.Inbox == Inbox);

        await queue.RetryLaterAsync(bob.Id, 3, DateTimeOffset.UtcNow.AddMinutes(5), new string('x', 2000));

        var due = Assert.Single(await queue.DueAsync(Domain, 10));
        Assert.Equal(SharedInbox, due.Inbox);
        Assert.Equal(3, await database.ScalarAsync<int>($"SELECT attempts FROM ap_deliveries WHERE id = {bob.Id}"));
        Assert.Equal(500, await database.ScalarAsync<int>($"SELECT length(last_error) FROM ap_deliveries WHERE id = {bob.Id}"));
    }

    [Fact]
    public async Task Giving_up_moves_the_row_into_the_failures()
    {
        await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", Body("1"), [Inbox, SharedInbox]);
        var bob = (await queue.DueAsync(Domain, 10)).Single(r => r.Inbox == Inbox);

        await queue.GiveUpAsync(bob.Id, 16, "16 attempts; last: HTTP 503");
        await queue.GiveUpAsync(bob.Id, 16, "again"); // a repeated give-up (a retried settle) is harmless

        Assert.Equal(1, await CountAsync("ap_deliveries"));
        Assert.Equal(1, await CountAsync("ap_delivery_failures"));
        Assert.Equal(0, await database.ScalarAsync<long>($"SELECT count(*) FROM ap_deliveries WHERE id = {bob.Id}"));
        Assert.Equal(16, await database.ScalarAsync<int>($"SELECT attempts FROM ap_delivery_failures WHERE id = {bob.Id}"));
        Assert.Equal(Inbox, await database.ScalarAsync<string>($"SELECT inbox FROM ap_delivery_failures WHERE id = {bob.Id}"));
        Assert.Equal(Domain, await database.ScalarAsync<string>($"SELECT domain FROM ap_delivery_failures WHERE id = {bob.Id}"));
        Assert.Equal("https://h.example/a/1", await database.ScalarAsync<string>($"SELECT activity_id FROM ap_delivery_failures WHERE id = {bob.Id}"));
        Assert.Equal("16 attempts; last: HTTP 503", await database.ScalarAsync<string>($"SELECT reason FROM ap_delivery_failures WHERE id = {bob.Id}"));
        // The next activity for that inbox is no longer blocked.
        await queue.EnqueueAsync("https://h.example/a/2", "https://h.example/a/2", "alice", Body("2"), OneInbox);
        Assert.Contains(await queue.DueAsync(Domain, 10), d => d.ActivityId == "https://h.example/a/2");
    }

    [Fact]
    public async Task Depth_counts_pending_due_retrying_domains_and_failed()
    {
        Assert.Equal(new DeliveryQueueDepth(0, 0, 0, 0, 0), await queue.DepthAsync());

        await queue.EnqueueAsync("https://h.example/a/1", "https://h.example/a/1", "alice", Body("1"), ThreeInboxesTwoDomains);
        Assert.Equal(new DeliveryQueueDepth(4, 4, 0, 2, 0), await queue.DepthAsync());

        var heads = await queue.DueAsync(Domain, 10);
        await queue.RetryLaterAsync(heads.Single(h => h.Inbox == SharedInbox).Id, 1, DateTimeOffset.UtcNow.AddMinutes(1), "HTTP 500");
        await queue.RetryLaterAsync(heads.Single(h => h.Inbox == CarolInbox).Id, 2, DateTimeOffset.UtcNow.AddSeconds(-1), "HTTP 500");
        await queue.GiveUpAsync(Assert.Single(await queue.DueAsync("other.example:8443", 10)).Id, 1, "HTTP 410");

        // Pending 3 (bob, shared, carol); due 2 (bob, carol); retrying 2 (shared, carol); one domain left; one failed.
        Assert.Equal(new DeliveryQueueDepth(3, 2, 2, 1, 1), await queue.DepthAsync());
    }
}
