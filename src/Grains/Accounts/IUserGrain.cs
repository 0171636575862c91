namespace Herenow.Grains.Accounts;

/// <summary>
/// One user: profile, credentials, settings and its side of the follow graph.
/// Key: the lower-cased username. Usernames are unique case-insensitively, so the grain key itself is the
/// uniqueness constraint, and every read of a profile is a single-grain call.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the account; null when the username is already taken.</summary>
    Task<AccountView?> Register(NewAccount account);

    /// <summary>The public profile; null when no such account exists.</summary>
    Task<AccountView?> GetAccount();
}

[GenerateSerializer, Alias("herenow.new-account")]
public sealed record NewAccount(
    [property: Id(0)] string Username,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string PasswordHash);

[GenerateSerializer, Alias("herenow.account")]
public sealed record AccountView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] string Note,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] int FollowersCount,
    [property: Id(6)] int FollowingCount,
    [property: Id(7)] int CheckinsCount);
