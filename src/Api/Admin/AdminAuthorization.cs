using Herenow.Api.Sessions;
using Microsoft.AspNetCore.Authorization;

namespace Herenow.Api.Admin;

/// <summary>
/// The operator role: the local accounts named in Herenow:Admin:Usernames (a list, or one comma-separated value, so
/// that an environment variable can hold it). Read from configuration on each check, so a reload takes effect; there
/// is no role table because an operator already controls the configuration.
/// </summary>
public static class AdminAuthorization
{
    public const string Policy = "admin";
    public const string UsernamesKey = "Herenow:Admin:Usernames";

    public static IServiceCollection AddAdminAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, AdminHandler>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAuthenticatedUser().AddRequirements(new AdminRequirement()));
        return services;
    }

    public static IReadOnlySet<string> Admins(IConfiguration configuration)
    {
        var section = configuration.GetSection(UsernamesKey);
        var names = section.GetChildren().Select(c => c.Value).Append(section.Value)
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return names.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public sealed class AdminRequirement : IAuthorizationRequirement;

    /// <summary>Succeeds for an admin; anyone else signed in gets the 403 problem document (BearerTokenHandler).</summary>
    private sealed class AdminHandler(IConfiguration configuration) : AuthorizationHandler<AdminRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRequirement requirement)
        {
            if (context.User.Caller() is { } caller && Admins(configuration).Contains(caller))
            {
                context.Succeed(requirement);
            }
            return Task.CompletedTask;
        }
    }
}
