using Herenow.Api.Sessions;
using Herenow.Grains.Sessions;

namespace Herenow.Bench.Seeding;

/// <summary>
/// Bearer tokens for seeded users, opened directly in their session grains (stored as the token's SHA-256, exactly as
/// POST /api/v1/sessions does) so that a pool of thousands costs no password checks. The tokens are real: the API
/// authenticates them like any other.
/// </summary>
public static class SessionMinter
{
    public static async Task<IReadOnlyList<(string Username, string Token)>> MintAsync(IClusterClient cluster,
        IReadOnlyList<string> usernames, int parallelism, CancellationToken ct)
    {
        var tokens = usernames.Select(u => (Username: u, Token: BearerTokenHandler.NewToken())).ToList();
        await BoundedParallel.ForEachAsync("sessions", tokens, parallelism, async (t, _) =>
            await cluster.GetGrain<ISessionGrain>(BearerTokenHandler.HashToken(t.Token)).Open(t.Username), ct);
        return tokens;
    }
}
