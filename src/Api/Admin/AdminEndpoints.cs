using Herenow.Grains.Cluster;

namespace Herenow.Api.Admin;

/// <summary>Operator endpoints under /api/v1/admin, for accounts in Herenow:Admin:Usernames only.</summary>
public static class AdminEndpoints
{
    public sealed record ClusterResponse(long MembershipVersion, string AnsweredBy, IReadOnlyList<SiloView> Silos);

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/v1/admin").WithTags("Admin").RequireAuthorization(AdminAuthorization.Policy);
        // The membership as the answering silo's gossip has it (not a fresh table read): what the cluster acts on.
        admin.MapGet("/cluster", async (IGrainFactory grains) =>
        {
            var view = await grains.GetGrain<IClusterViewGrain>(0).Get();
            return TypedResults.Ok(new ClusterResponse(view.MembershipVersion, view.AnsweredBy, view.Silos));
        })
            // The policy answers 401 and 403, not the handler: its signature cannot say them.
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        return routes;
    }
}
