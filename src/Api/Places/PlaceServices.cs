using Herenow.Grains.Places;

namespace Herenow.Api.Places;

public static class PlaceServices
{
    /// <summary>The places table (create, read, nearby search), on the API's NpgsqlDataSource and clock.</summary>
    public static IServiceCollection AddPlaceServices(this IServiceCollection services) =>
        services.AddSingleton<PlaceDirectory>();
}
