namespace Herenow.Grains.Accounts;

/// <summary>
/// Accounts created before migration 0012 hold their edges in the state's Followers/Following lists. The first
/// activation moves them into the follows table, then empties the lists. Rows go in first (keeping existing pairs),
/// the lists are cleared after: a crash in between only repeats a harmless import.
/// </summary>
public sealed partial class UserGrain
{
    private async Task MoveLegacyEdgesToTable()
    {
        if (state.State.Followers.Count == 0 && state.State.Following.Count == 0)
        {
            return;
        }
        // Both sides of an edge were stored, with different ids; whichever side activates first sets the row's id.
        // Edges with an account this user blocks are dropped: a block removes both directions.
        var edges = state.State.Followers.Where(f => !state.State.Blocked.Contains(f.Username))
            .Select(f => (Followee: Key, Follower: f.Username, f.Id))
            .Concat(state.State.Following.Where(f => !state.State.Blocked.Contains(f.Username))
                .Select(f => (Followee: f.Username, Follower: Key, f.Id)))
            .ToList();
        if (edges.Count > 0)
        {
            await graph.ImportAsync(edges, clock.GetUtcNow());
        }
        state.State.Followers.Clear();
        state.State.Following.Clear();
        await state.WriteStateAsync();
    }
}
