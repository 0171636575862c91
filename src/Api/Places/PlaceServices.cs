using Herenow.Grains.Places;

namespace Herenow.Api.Places;

public static class PlaceServices
{
    /// <summary>
    /// The places table (create, read, nearby search) and the place cache in front of its reads
    /// (<see cref="PlaceCache"/>), on the API's NpgsqlDataSource and clock.
    /// </summary>
    public static IServiceCollection AddPlaceServices(this IServiceCollection services) =>
        services.AddPlaceCache();
}
