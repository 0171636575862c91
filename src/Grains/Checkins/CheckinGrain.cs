namespace Herenow.Grains.Checkins;

/// <summary>
/// A read-through cache of one check-in row, and the serializer of that row's changes. No Orleans state: the row is the
/// durable copy, read once on activation (an index lookup by id) and updated by the statements this grain runs.
/// </summary>
public sealed class CheckinGrain(CheckinStore store, TimeProvider clock, Pages.SiloCaches caches) : Grain, ICheckinGrain
{
    private StoredCheckin? row;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        row = await store.GetAsync(Key);
    }

    public async Task Create(CheckinRecord record)
    {
        if (row is not null)
        {
            return; // exists, or was deleted: a repeated Create resurrects nothing
        }
        await store.InsertAsync([new CheckinInsert(record with { LikesCount = 0 }, null, null)]);
        row = await store.GetAsync(Key);
    }

    public async Task<CheckinRecord?> Get()
    {
        if (row is null)
        {
            // Not remembered as missing: the author's grain may have committed it since this activation asked.
            row = await store.GetAsync(Key);
        }
        return Current();
    }

    public async Task<CheckinRecord?> SetLike(string username, bool liked)
    {
        if (await Get() is not { } current)
        {
            return null;
        }
        if (await store.SetLikeAsync(current.Author, current.Id, username, liked) is { } count)
        {
            row = row! with { Record = current with { LikesCount = count } };
            await caches.InvalidateAsync(new(CheckinId: Key)); // pages anywhere show the new count from the next read
        }
        return Current();
    }

    public async Task<CheckinRecord?> MarkDeleted(DateTimeOffset? outboxDue)
    {
        if (await Get() is not { } current)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        var before = await store.MarkDeletedAsync(current.Author, current.Id, now, outboxDue);
        row = before is null ? await store.GetAsync(Key) : new StoredCheckin(before.Record, now);
        // Acknowledged only once no silo's page cache can show it: the next read anywhere misses it.
        await caches.InvalidateAsync(new(CheckinId: Key));
        return before?.Record;
    }

    public async Task<CheckinRecord?> Publish(DateTimeOffset at, DateTimeOffset outboxDue)
    {
        if (await Get() is not { } current)
        {
            return null;
        }
        if (current.IsPublished(at))
        {
            return current;
        }
        row = await store.PublishAsync(current.Author, current.Id, at, outboxDue) ?? await store.GetAsync(Key);
        await caches.InvalidateAsync(new(CheckinId: Key));
        return Current();
    }

    private CheckinRecord? Current() => row is { DeletedAt: null } ? row.Record : null;
}
