using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Sessions;

/// <summary>Bounds of <see cref="SessionCache"/> ("Herenow:Sessions:Cache").</summary>
public sealed class SessionCacheOptions
{
    public const string Section = "Herenow:Sessions:Cache";

    /// <summary>
    /// How long this API process trusts a token it has checked before asking its session grain again: the longest a
    /// token revoked through another API instance (or by the deletion saga) still works here. Zero turns the cache off.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Tokens remembered at most (about 200 bytes each); when full, expired ones go first.</summary>
    public int MaxEntries { get; set; } = 100_000;
}

/// <summary>
/// The bearer-token check of <see cref="BearerTokenHandler"/> from memory: token hash → username, for
/// <see cref="SessionCacheOptions.Lifetime"/> after the session grain said so. Only valid tokens are remembered (an
/// unknown or revoked one asks the grain every time, so made-up tokens cannot fill it). Sign-out and account deletion
/// evict on the instance that handled them, before they answer; other instances learn within the lifetime.
/// </summary>
public sealed class SessionCache
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly TimeProvider clock;
    private readonly long lifetime;
    private readonly int maxEntries;
    // Bumped by every eviction: a lookup that started before one does not store what it read (it may be the state
    // from before the revocation).
    private long generation;

    public SessionCache(TimeProvider clock, IOptions<SessionCacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.clock = clock;
        lifetime = (long)(Math.Max(0, options.Value.Lifetime.TotalSeconds) * clock.TimestampFrequency);
        maxEntries = Math.Max(0, options.Value.MaxEntries);
    }

    private readonly record struct Entry(string Username, long Until);

    public bool Enabled => lifetime > 0 && maxEntries > 0;

    /// <summary>Read before asking the grain; hand it to <see cref="Set"/>.</summary>
    public long Generation => Volatile.Read(ref generation);

    public int Count => entries.Count;

    public bool TryGet(string hash, out string username)
    {
        if (entries.TryGetValue(hash, out var entry) && clock.GetTimestamp() < entry.Until)
        {
            username = entry.Username;
            return true;
        }
        username = "";
        return false;
    }

    /// <summary>Remembers a valid token, unless an eviction happened since <paramref name="generationBefore"/>.</summary>
    public void Set(string hash, string username, long generationBefore)
    {
        if (!Enabled)
        {
            return;
        }
        lock (gate)
        {
            if (generation != generationBefore)
            {
                return;
            }
            if (entries.Count >= maxEntries && !entries.ContainsKey(hash))
            {
                MakeRoom();
            }
            entries[hash] = new Entry(username, clock.GetTimestamp() + lifetime);
        }
    }

    /// <summary>Sign-out: this token, at once.</summary>
    public void Evict(string hash)
    {
        lock (gate)
        {
            generation++;
            entries.TryRemove(hash, out _);
        }
    }

    /// <summary>Account deletion: every token of this account this process remembers, at once.</summary>
    public void EvictAccount(string username)
    {
        lock (gate)
        {
            generation++;
            foreach (var (hash, entry) in entries)
            {
                if (string.Equals(entry.Username, username, StringComparison.OrdinalIgnoreCase))
                {
                    entries.TryRemove(hash, out _);
                }
            }
        }
    }

    private void MakeRoom()
    {
        var now = clock.GetTimestamp();
        foreach (var (hash, entry) in entries)
        {
            if (entry.Until <= now)
            {
                entries.TryRemove(hash, out _);
            }
        }
        if (entries.Count >= maxEntries)
        {
            // All still fresh: drop an arbitrary twentieth; those tokens are checked with their grain again.
            foreach (var hash in entries.Keys.Take(Math.Max(1, maxEntries / 20)))
            {
                entries.TryRemove(hash, out _);
            }
        }
    }
}
