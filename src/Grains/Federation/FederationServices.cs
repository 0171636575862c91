using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.Atproto;
using Herenow.Grains.Federation.Http;
using Herenow.Grains.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Federation;

public static class FederationServices
{
    /// <summary>
    /// ActivityPub plumbing shared by the silos (rendering, the delivery queue) and the API (serving, the inbox):
    /// options from <c>Herenow:Federation</c>, keys, the remote graph, and the one HTTP client every remote call
    /// goes through (address checks after DNS, size and time limits, signatures).
    /// </summary>
    public static IServiceCollection AddHerenowFederation(this IServiceCollection services)
    {
        services.AddOptions<FederationOptions>().BindConfiguration(FederationOptions.Section)
            .Validate(o => o.Problem() is null, "Invalid Herenow:Federation settings (see FederationOptions.Problem).")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<FederationOptions>>().Value);
        services.AddSingleton(sp => new ApUrls(sp.GetRequiredService<FederationOptions>().PublicUrl));
        services.AddSingleton(sp =>
        {
            // Photos are linked where the API serves them: the media base URL when one is set (a CDN), else our origin.
            var mediaBase = sp.GetRequiredService<IConfiguration>()["Herenow:Media:BaseUrl"];
            var origin = string.IsNullOrWhiteSpace(mediaBase) ? sp.GetRequiredService<ApUrls>().Origin : mediaBase.TrimEnd('/');
            return new ActivityRenderer(sp.GetRequiredService<ApUrls>(), key => $"{origin}/media/{key}");
        });
        services.AddSingleton<ActorKeys>();
        services.AddSingleton<RemoteGraph>();
        services.AddSingleton<RemoteNotes>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<ActivityDelivery>();
        services.AddSingleton(sp =>
        {
            var federation = sp.GetRequiredService<FederationOptions>();
            var http = new FederationHttpOptions { AllowPrivateNetworks = federation.AllowPrivateNetworks, UserAgent = $"Herenow/1.0 (+{federation.PublicUrl})" };
            return new FederationClient(new HttpClient(FederationClient.CreateHandler(http)), http, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IActivitySender, SignedActivitySender>();
        services.AddSingleton<RemoteActors>();
        services.AddSingleton(sp => new SecretBox(sp.GetRequiredService<IConfiguration>()[SecretBox.KeySetting]));
        services.AddSingleton<AtprotoAccounts>();
        services.AddSingleton<AtprotoRecords>();
        services.AddSingleton<MediaBlobs>();
        services.AddSingleton(sp =>
        {
            // The PDS URL is user input: the same address policy as every other remote call.
            var federation = sp.GetRequiredService<FederationOptions>();
            var http = new FederationHttpOptions { AllowPrivateNetworks = federation.AllowPrivateNetworks };
            return new XrpcClient(new HttpClient(FederationClient.CreateHandler(http)) { Timeout = TimeSpan.FromSeconds(60) });
        });
        return services;
    }
}
