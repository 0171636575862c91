namespace Herenow.Grains.Accounts.Deletion;

/// <summary>Configuration section <c>Herenow:Accounts:Deletion</c>.</summary>
public sealed class AccountDeletionOptions
{
    public const string Section = "Herenow:Accounts:Deletion";

    /// <summary>
    /// How long a deleted account's name cannot be registered again. Remote servers cache actors and keys by URL
    /// (/users/{name}); a new account under the same URL would inherit the old one's followers' caches and mentions.
    /// </summary>
    public TimeSpan NameReservedFor { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// The longest the saga waits for this account's federation queues (the Deletes it sent). The delivery schedule
    /// gives up after ~5.4 days; after this deadline whatever is left is dropped with the signing key.
    /// </summary>
    public TimeSpan FederationDrainTimeout { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Retry backoff of a failed step (exponential, full jitter): base and cap.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a waiting step looks again: from this, doubling (with jitter) up to <see cref="PollMaxDelay"/>.</summary>
    public TimeSpan PollDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan PollMaxDelay { get; set; } = TimeSpan.FromSeconds(10);
}
