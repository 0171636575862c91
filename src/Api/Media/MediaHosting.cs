namespace Herenow.Api.Media;

public static class MediaHosting
{
    public static IServiceCollection AddMedia(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection(MediaOptions.Section))
            .Validate(o => o.UnattachedLifetime > TimeSpan.Zero && o.CleanupInterval > TimeSpan.Zero,
                "Herenow:Media:UnattachedLifetime and CleanupInterval must be positive.")
            .ValidateOnStart();
        services.AddSingleton<IBlobStore, PostgresBlobStore>();
        services.AddSingleton<ImageProcessor>();
        services.AddSingleton<MediaStore>();
        services.AddSingleton<MediaUrls>();
        services.AddSingleton<MediaCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<MediaCleanup>());
        return services;
    }
}
