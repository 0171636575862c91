using Herenow.Grains.Places;

namespace Herenow.Api.Places;

public static class PlaceServices
{
    /// <summary>
    /// The places table (create, read, nearby search), the place cache in front of its reads
    /// (<see cref="PlaceCache"/>) and the in-memory nearby index the directory answers searches from
    /// (<see cref="NearbyIndex"/>, the API process only), on the API's NpgsqlDataSource and clock.
    /// </summary>
    public static IServiceCollection AddPlaceServices(this IServiceCollection services) =>
        services.AddNearbyIndex().AddPlaceCache();
}
