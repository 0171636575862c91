using Orleans.Concurrency;

namespace Herenow.Grains.Federation.Atproto;

/// <summary>
/// Writes one user's public check-ins to their linked AT Protocol repository (key: the username). It holds the
/// session (access and refresh tokens) in memory and works through the user's jobs in order; the jobs are rows in
/// PostgreSQL and a reminder brings the grain back after a restart while any wait.
/// </summary>
public interface IAtprotoAccountGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task Wake();

    /// <summary>The account was linked again (maybe with another password): forget the session.</summary>
    [AlwaysInterleave]
    Task Relinked();
}
