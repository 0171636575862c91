using System.Globalization;
using Orleans.Configuration;

namespace Herenow.Silo;

/// <summary>
/// How soon a silo that crashed or hangs is declared dead (docs/adr/0014-failure-detection.md).
/// Herenow's values are set in code, so every host that calls <see cref="SiloHosting.AddHerenowSilo"/> (the silo
/// program and the test clusters alike) runs them. The "Herenow:Membership" section is bound over them onto
/// Orleans' <see cref="ClusterMembershipOptions"/>, so any of its properties can be set from configuration
/// (e.g. <c>Herenow__Membership__MaxProbeTimeout=00:00:10</c>); <c>Herenow:Membership:OrleansDefaults=true</c>
/// starts from Orleans' own defaults instead of Herenow's (bench/failure-detection.sh uses it for the comparison).
/// </summary>
public static class MembershipSettings
{
    public const string Section = "Herenow:Membership";

    /// <summary>Configuration key (under <see cref="Section"/>): true = skip Herenow's values, keep Orleans' defaults.</summary>
    public const string OrleansDefaultsKey = "OrleansDefaults";

    /// <summary>
    /// Herenow's values; everything not set here keeps Orleans 10's default (ProbeTimeout 5 s, so an adaptive probe
    /// timeout of 2.5–20 s; 3 missed probes; 2 votes; indirect probes; the local stall and degradation checks).
    /// </summary>
    public static void ApplyHerenowDefaults(ClusterMembershipOptions options)
    {
        // Caps the adaptive probe timeout (Orleans: 4 × ProbeTimeout = 20 s). It also sets the window of the
        // connection liveness check (MaxProbeTimeout × NumMissedProbesLimit): votes against a silo that sent anything
        // on an open connection within it are suppressed. A crashed silo closes its connections, so the window does
        // not matter there; a hung one keeps them open, so the window is how long it holds its grains: 24 s instead
        // of 60 s, under the 30 s a grain call waits by default.
        options.MaxProbeTimeout = TimeSpan.FromSeconds(8);
        // How often each silo reads the table regardless of gossip (Orleans: 60 s): the fallback when gossip misses a
        // silo, e.g. one that was paused while the others declared it dead. One small query per silo.
        options.TableRefreshTimeout = TimeSpan.FromSeconds(15);
    }

    public static void Configure(ClusterMembershipOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.GetValue<bool>(OrleansDefaultsKey))
        {
            ApplyHerenowDefaults(options);
        }
        section.Bind(options);
        if (options.MaxProbeTimeout < options.MinProbeTimeout)
        {
            throw new InvalidOperationException(
                $"{Section}: MaxProbeTimeout ({options.MaxProbeTimeout}) is below MinProbeTimeout ({options.MinProbeTimeout}); " +
                "raise MaxProbeTimeout along with ProbeTimeout.");
        }
    }

    /// <summary>The values that decide detection time, as one log line (bench/failure-detection.sh records it).</summary>
    public static string Describe(ClusterMembershipOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"ProbeTimeout={S(o.ProbeTimeout)} MinProbeTimeout={S(o.MinProbeTimeout)} MaxProbeTimeout={S(o.MaxProbeTimeout)} " +
        $"NumMissedProbesLimit={o.NumMissedProbesLimit} NumVotesForDeathDeclaration={o.NumVotesForDeathDeclaration} " +
        $"NumProbedSilos={o.NumProbedSilos} EnableIndirectProbes={o.EnableIndirectProbes} " +
        $"EnableConnectionLivenessCheck={o.EnableConnectionLivenessCheck} " +
        $"ExtendProbeTimeoutDuringDegradation={o.ExtendProbeTimeoutDuringDegradation} " +
        $"TableRefreshTimeout={S(o.TableRefreshTimeout)} IAmAliveTablePublishTimeout={S(o.IAmAliveTablePublishTimeout)} " +
        $"NumMissedTableIAmAliveLimit={o.NumMissedTableIAmAliveLimit} DeathVoteExpirationTimeout={S(o.DeathVoteExpirationTimeout)}");

    private static string S(TimeSpan t) => $"{t.TotalSeconds:0.###}s";
}

/// <summary>Logs the membership values this silo runs with, once at start.</summary>
internal sealed partial class MembershipSettingsLog(
    Microsoft.Extensions.Options.IOptions<ClusterMembershipOptions> options,
    ILogger<MembershipSettingsLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogMembership(logger, MembershipSettings.Describe(options.Value));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership: {Settings}")]
    private static partial void LogMembership(ILogger logger, string settings);
}
