using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;

namespace Herenow.Grains.Pages;

/// <summary>
/// Turns a page of entries into what one viewer may see, inside the silo and from its caches: authors, then records,
/// then <see cref="CheckinVisibility.Of"/> — the one policy — on each. At steady state no grain call and no statement.
/// </summary>
public sealed class PageBuilder(PageCaches caches, TimeProvider clock)
{
    /// <param name="relationships">How the viewer relates to an author, when the caller knows (a home feed knows whom its
    /// owner follows); null: from the caches.</param>
    /// <param name="known">Authors the caller has at hand (an author's own grain must not call itself through the cache).</param>
    public async Task<List<CheckinView>> BuildAsync(IReadOnlyList<CheckinEntry> entries, string? viewer,
        Func<string, bool, Relationship>? relationships = null, IReadOnlyDictionary<string, PageCaches.Author>? known = null)
    {
        if (entries.Count == 0)
        {
            return [];
        }
        var authors = await caches.AuthorsAsync(entries.Select(e => e.Author).Where(a => known is null || !known.ContainsKey(a)));
        if (known is not null)
        {
            foreach (var (name, author) in known) authors[name] = author;
        }
        var related = relationships is null
            ? await caches.RelationshipsAsync(entries.Select(e => e.Author), viewer, authors)
            : entries.Select(e => e.Author).Distinct().ToDictionary(a => a, a => relationships(a, authors.ContainsKey(a)), StringComparer.Ordinal);
        var candidates = entries.Where(e => CheckinVisibility.MaySee(e.Visibility, related[e.Author])).Select(e => e.Id).ToList();
        var records = await caches.CheckinsAsync(candidates);
        var now = clock.GetUtcNow();
        var views = new List<CheckinView>(candidates.Count);
        foreach (var id in candidates)
        {
            if (!records.TryGetValue(id, out var record) || !authors.TryGetValue(record.Author, out var author))
            {
                continue; // deleted, or its author is gone
            }
            var relationship = related[record.Author];
            var access = CheckinVisibility.Of(record, relationship, now);
            if (access != CheckinAccess.Hidden)
            {
                views.Add(new CheckinView(record, author.Card.For(relationship), access, author.Url));
            }
        }
        return views;
    }
}
