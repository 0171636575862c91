using Herenow.Grains.Database;
using Herenow.Tests.Support;

namespace Herenow.Tests.Database;

public sealed class MigratorTests
{
    [Fact]
    public async Task Applies_every_migration_once_and_a_second_run_is_a_no_op()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);

        var first = await database.MigrateAsync();
        var second = await database.MigrateAsync();

        Assert.Equal(Migrator.All.Select(m => m.Version), first.Select(m => m.Version));
        Assert.Empty(second);
        Assert.Equal(Migrator.All.Count, await database.ScalarAsync<int>("SELECT count(*) FROM herenow_schema_migrations"));
    }

    [Fact]
    public async Task Concurrent_runs_apply_each_migration_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => database.MigrateAsync()));

        Assert.Equal(Migrator.All.Count, runs.Sum(r => r.Count));
    }

    // Every query key the Orleans 10.4 ADO.NET providers load at start-up (clustering, persistence, reminders).
    private static readonly string[] ProviderQueryKeys =
    [
        "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Provides_every_query_the_orleans_providers_load()
    {
        await using var database = await TestDatabase.CreateAsync();

        var present = await database.ScalarAsync<string>("SELECT string_agg(QueryKey, ',') FROM OrleansQuery");

        Assert.Empty(ProviderQueryKeys.Except(present!.Split(',')));
    }
}
