using System.Collections.Concurrent;
using System.Security.Cryptography;
using Herenow.Grains.Security;
using Npgsql;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>A local actor's key pair (PEM): the public half is served in the actor, the private half never leaves.</summary>
public sealed record ActorKeyPair(string PublicPem, string PrivatePem);

/// <summary>
/// The <c>ap_keys</c> table: one RSA-2048 pair per local actor, made on first use. Generation races are settled by
/// the primary key (the loser reads the winner's pair), so every node signs with the same key.
/// </summary>
public sealed class ActorKeys(NpgsqlDataSource database, TimeProvider clock, SecretBox secrets)
{
    /// <summary>Marks a private key sealed with <see cref="SecretBox"/>; rows without it are from before sealing (or a node without a key).</summary>
    public const string SealedPrefix = "sealed:v1:";

    // A key never changes while its account lives; caching it saves a query per delivery and per actor fetch. Entries
    // expire after a day so that a name registered again after a deletion (its key row deleted, the name reserved for
    // far longer than a day) never signs with, or serves, the deleted account's key.
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, (ActorKeyPair Pair, DateTimeOffset LoadedAt)> cache = new(StringComparer.Ordinal);

    public async Task<ActorKeyPair> GetOrCreateAsync(string owner)
    {
        if (cache.TryGetValue(owner, out var cached) && clock.GetUtcNow() - cached.LoadedAt < CacheLifetime)
        {
            return cached.Pair;
        }
        var pair = await ReadAsync(owner);
        if (pair is null)
        {
            using var rsa = RSA.Create(2048);
            await using var insert = database.CreateCommand("""
                INSERT INTO ap_keys (owner, public_pem, private_pem, created_at) VALUES (@owner, @public, @private, @now)
                ON CONFLICT (owner) DO NOTHING
                """);
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("public", rsa.ExportSubjectPublicKeyInfoPem());
            insert.Parameters.AddWithValue("private", SealPrivate(owner, rsa.ExportPkcs8PrivateKeyPem()));
            insert.Parameters.AddWithValue("now", clock.GetUtcNow());
            await insert.ExecuteNonQueryAsync();
            pair = await ReadAsync(owner) ?? throw new InvalidOperationException($"Key pair for '{owner}' vanished after insert.");
        }
        cache[owner] = (pair, clock.GetUtcNow());
        return pair;
    }

    /// <summary>The stored pair, never creating one (an account being deleted keeps serving its key until it is forgotten).</summary>
    public Task<ActorKeyPair?> FindAsync(string owner) => ReadAsync(owner);

    private async Task<ActorKeyPair?> ReadAsync(string owner)
    {
        string publicPem, storedPrivate;
        await using (var command = database.CreateCommand("SELECT public_pem, private_pem FROM ap_keys WHERE owner = @owner"))
        {
            command.Parameters.AddWithValue("owner", owner);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return null;
            }
            (publicPem, storedPrivate) = (reader.GetString(0), reader.GetString(1));
        }
        if (storedPrivate.StartsWith(SealedPrefix, StringComparison.Ordinal))
        {
            return new ActorKeyPair(publicPem, secrets.Open(Convert.FromBase64String(storedPrivate[SealedPrefix.Length..]), Binding(owner)));
        }
        if (secrets.Available)
        {
            // Written before keys were sealed (or on a node without a key): sealed now, on first use.
            await using var reseal = database.CreateCommand("UPDATE ap_keys SET private_pem = @sealed WHERE owner = @owner AND private_pem = @plain");
            reseal.Parameters.AddWithValue("owner", owner);
            reseal.Parameters.AddWithValue("plain", storedPrivate);
            reseal.Parameters.AddWithValue("sealed", SealPrivate(owner, storedPrivate));
            await reseal.ExecuteNonQueryAsync();
        }
        return new ActorKeyPair(publicPem, storedPrivate);
    }

    /// <summary>Sealed under Herenow:Secrets:Key and bound to the actor (a sealed key moved onto another row does not open).</summary>
    private string SealPrivate(string owner, string pem) =>
        secrets.Available ? SealedPrefix + Convert.ToBase64String(secrets.Seal(pem, Binding(owner))) : pem;

    private static string Binding(string owner) => "ap-key:" + owner;
}
