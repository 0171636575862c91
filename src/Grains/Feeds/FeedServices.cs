using Herenow.Grains.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Grains.Feeds;

public static class FeedServices
{
    /// <summary>The silo's in-memory feeds and their delivery, and the page caches (docs/adr/0027-feeds-as-caches.md).</summary>
    public static IServiceCollection AddHerenowFeeds(this IServiceCollection services)
    {
        services.AddSingleton<ActiveSilos>();
        services.AddSingleton<GlobalTimeline>();
        services.AddSingleton<LocalFeeds>();
        services.AddSingleton<FeedDispatcher>();
        services.AddSingleton<CheckinFanout>();
        services.AddOptions<PageCacheOptions>().BindConfiguration(PageCacheOptions.Section);
        services.AddSingleton<PageCaches>();
        services.AddSingleton<PageBuilder>();
        services.AddSingleton<SiloCaches>();
        services.AddSingleton<GlobalFirstPage>();
        return services;
    }
}
