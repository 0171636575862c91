namespace Herenow.Grains.Places;

/// <summary>Great-circle distance on the mean Earth sphere, the same model the nearby search uses.</summary>
public static class Geo
{
    public static double HaversineMeters(double lat1, double lon1, double lat2, double lon2)
    {
        static double Rad(double d) => d * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * PlaceDirectory.EarthRadiusM * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
