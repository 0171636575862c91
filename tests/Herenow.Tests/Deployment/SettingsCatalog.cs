using System.Collections;
using System.Reflection;
using Herenow.Api.Media;
using Herenow.Api.Security;
using Herenow.Api.Streaming;
using Herenow.Grains.Database;
using Herenow.Grains.Feeds;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Security;
using Herenow.Silo;
using Orleans.Configuration;

namespace Herenow.Tests.Deployment;

/// <summary>
/// Every configuration key the code reads, from the options types and constants themselves, so that the deployment
/// files and the configuration reference can be checked against it: a renamed property fails those checks.
/// A new options section belongs in <see cref="Sections"/>.
/// </summary>
public static class SettingsCatalog
{
    /// <summary>Sections bound onto an options type (bound, so every public settable property is a key).</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> Sections =
    [
        (HerenowSiloOptions.Section, typeof(HerenowSiloOptions)),
        (FederationOptions.Section, typeof(FederationOptions)),
        (MediaOptions.Section, typeof(MediaOptions)),
        (StreamingOptions.Section, typeof(StreamingOptions)),
        (RateLimitOptions.Section, typeof(RateLimitOptions)),
        (ForwardedHeadersSettings.Section, typeof(ForwardedHeadersSettings)),
        (FeedOptions.Section, typeof(FeedOptions)),
        (FanoutOptions.Section, typeof(FanoutOptions)),
        (Herenow.Grains.Checkins.CheckinWriterOptions.Section, typeof(Herenow.Grains.Checkins.CheckinWriterOptions)),
        (Herenow.Grains.Accounts.Deletion.AccountDeletionOptions.Section, typeof(Herenow.Grains.Accounts.Deletion.AccountDeletionOptions)),
        (Herenow.Api.Sessions.SessionCacheOptions.Section, typeof(Herenow.Api.Sessions.SessionCacheOptions)),
        (Herenow.Grains.Places.PlaceCacheOptions.Section, typeof(Herenow.Grains.Places.PlaceCacheOptions)),
        (Herenow.Grains.Pages.PageCacheOptions.Section, typeof(Herenow.Grains.Pages.PageCacheOptions)),
        (Herenow.Grains.Places.NearbyIndexOptions.Section, typeof(Herenow.Grains.Places.NearbyIndexOptions)),
        // Bound over Orleans' own type (MembershipSettings.Configure); documented as a pattern, not key by key.
        (MembershipSettings.Section, typeof(ClusterMembershipOptions)),
    ];

    /// <summary>Keys read one by one (ClusterIdentityReadsItsKeys proves the two literals).</summary>
    public static readonly IReadOnlyList<string> SingleKeys =
    [
        DatabaseSettings.ConnectionStringKey,
        "Herenow:ClusterId",
        "Herenow:ServiceId",
        SecretBox.KeySetting,
        MembershipSettings.Section + ":" + MembershipSettings.OrleansDefaultsKey,
        Herenow.Api.Admin.AdminAuthorization.UsernamesKey,
        Herenow.Api.Cluster.CoHosting.Key,
        Herenow.Api.Observability.ApiObservability.PortKey,
        Herenow.Api.Observability.ApiObservability.AddressKey,
        Herenow.Grains.Observability.DashboardSettings.EnabledKey,
        Herenow.Grains.Observability.TelemetrySetup.OtlpEndpointKey,
        "Herenow:Telemetry:TraceSampleRatio",
    ];

    /// <summary>Sections that are Herenow's own types: the reference lists each of their keys.</summary>
    public static IEnumerable<string> HerenowKeys() =>
        SingleKeys.Concat(Sections.Where(s => s.Options != typeof(ClusterMembershipOptions))
            .SelectMany(s => LeafKeys(s.Options).Select(k => s.Section + ":" + k)));

    /// <summary>An environment variable name (<c>__</c> for <c>:</c>) as a configuration key.</summary>
    public static string FromEnvironment(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>
    /// Whether the code reads <paramref name="key"/> (case-insensitive, as configuration is). A numeric segment
    /// indexes a list; a segment written <c>&lt;...&gt;</c> stands for any property of that type.
    /// </summary>
    public static bool Reads(string key)
    {
        if (SingleKeys.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        foreach (var (section, options) in Sections)
        {
            if (key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            {
                return Resolves(options, key[(section.Length + 1)..].Split(':'));
            }
        }
        return false;
    }

    private static bool Resolves(Type type, ReadOnlySpan<string> path)
    {
        if (path.IsEmpty)
        {
            return IsLeaf(type) || ElementType(type) is { } items && IsLeaf(items);
        }
        if (ElementType(type) is { } element)
        {
            return int.TryParse(path[0], out _) && Resolves(element, path[1..]);
        }
        if (path[0].StartsWith('<') && path[0].EndsWith('>'))
        {
            return path.Length == 1 && Bindable(type).Any();
        }
        var name = path[0];
        var property = Bindable(type).FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        return property is not null && Resolves(property.PropertyType, path[1..]);
    }

    private static IEnumerable<string> LeafKeys(Type type) =>
        Bindable(type).SelectMany(p => IsLeaf(p.PropertyType) || ElementType(p.PropertyType) is not null
            ? [p.Name]
            : LeafKeys(p.PropertyType).Select(k => p.Name + ":" + k));

    /// <summary>What the configuration binder sets: public settable properties, and nested objects and lists it fills.</summary>
    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod?.IsPublic == true
                        && (p.SetMethod?.IsPublic == true || (!IsLeaf(p.PropertyType) && p.PropertyType.IsClass)));

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(Uri)
        || type == typeof(decimal) || Nullable.GetUnderlyingType(type) is { } inner && IsLeaf(inner);

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;
}
