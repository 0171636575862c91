using System.Security.Cryptography;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Security;
using Herenow.Tests.Support;
using Npgsql;

namespace Herenow.Tests.Federation;

/// <summary>Actor private keys at rest: sealed under Herenow:Secrets:Key, bound to their actor; older plain rows sealed on first use.</summary>
public sealed class ActorKeysTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private NpgsqlDataSource source = null!;
    private readonly SecretBox secrets = new(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        source = NpgsqlDataSource.Create(database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await source.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task A_new_private_key_is_stored_sealed_and_comes_back_usable()
    {
        var pair = await new ActorKeys(source, TimeProvider.System, secrets).GetOrCreateAsync("k_alice");
        var stored = await database.ScalarAsync<string>("SELECT private_pem FROM ap_keys WHERE owner = 'k_alice'");
        Assert.StartsWith(ActorKeys.SealedPrefix, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", stored, StringComparison.Ordinal);
        // A fresh instance (no cache) opens it, and the halves still belong together.
        var again = await new ActorKeys(source, TimeProvider.System, secrets).GetOrCreateAsync("k_alice");
        Assert.Equal(pair.PrivatePem, again.PrivatePem);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(again.PrivatePem);
        Assert.Equal(again.PublicPem, rsa.ExportSubjectPublicKeyInfoPem());
    }

    [Fact]
    public async Task A_sealed_key_moved_onto_another_actors_row_does_not_open()
    {
        await new ActorKeys(source, TimeProvider.System, secrets).GetOrCreateAsync("k_bob");
        await database.ExecuteAsync("""
            INSERT INTO ap_keys (owner, public_pem, private_pem, created_at)
            SELECT 'k_mallory', public_pem, private_pem, now() FROM ap_keys WHERE owner = 'k_bob'
            """);
        await Assert.ThrowsAnyAsync<CryptographicException>(() => new ActorKeys(source, TimeProvider.System, secrets).GetOrCreateAsync("k_mallory"));
    }

    [Fact]
    public async Task A_plain_key_from_before_sealing_is_sealed_on_first_use()
    {
        var plain = await new ActorKeys(source, TimeProvider.System, new SecretBox(null)).GetOrCreateAsync("k_carol");
        Assert.Contains("PRIVATE KEY", await database.ScalarAsync<string>("SELECT private_pem FROM ap_keys WHERE owner = 'k_carol'"), StringComparison.Ordinal);

        var read = await new ActorKeys(source, TimeProvider.System, secrets).GetOrCreateAsync("k_carol");
        Assert.Equal(plain.PrivatePem, read.PrivatePem);
        Assert.StartsWith(ActorKeys.SealedPrefix, await database.ScalarAsync<string>("SELECT private_pem FROM ap_keys WHERE owner = 'k_carol'"), StringComparison.Ordinal);
    }
}
