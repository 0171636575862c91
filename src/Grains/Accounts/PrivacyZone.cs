using Herenow.Grains.Checkins;

namespace Herenow.Grains.Accounts;

/// <summary>
/// A place the user does not want pinpointed (home, work): a centre and a radius. The rule (docs/security.md): a
/// check-in whose own position or whose place lies within a zone is marked when it is made; everyone but its author
/// then sees it without place and coordinates, it counts in no place's public stats, and it is federated without
/// location or place name. The mark is fixed at posting time: what was already shown or federated cannot be recalled.
/// </summary>
[GenerateSerializer, Alias("herenow.privacy-zone")]
public sealed record PrivacyZone(
    [property: Id(0)] string Name,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] double RadiusM)
{
    public const int MaxZones = 10;
    public const double MinRadiusM = 50;
    public const double MaxRadiusM = 5000;

    public bool Contains(double latitude, double longitude) => DistanceM(Latitude, Longitude, latitude, longitude) <= RadiusM;

    /// <summary>Whether a check-in at (<paramref name="latitude"/>, <paramref name="longitude"/>) at <paramref name="place"/> falls in any zone.</summary>
    public static bool Covers(IEnumerable<PrivacyZone> zones, double latitude, double longitude, PlaceSnapshot place) =>
        zones.Any(z => z.Contains(latitude, longitude) || z.Contains(place.Latitude, place.Longitude));

    /// <summary>Great-circle distance (haversine, mean Earth radius).</summary>
    public static double DistanceM(double lat1, double lon1, double lat2, double lon2)
    {
        const double EarthRadiusM = 6_371_008.8;
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusM * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
