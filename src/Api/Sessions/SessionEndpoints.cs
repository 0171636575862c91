using System.Security.Claims;
using Herenow.Api.Accounts;
using Herenow.Api.Problems;
using Herenow.Api.Security;
using Herenow.Grains.Accounts;
using Herenow.Grains.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herenow.Api.Sessions;

public sealed record CreateSessionRequest(string? Username, string? Password);

public sealed record SessionResponse(string AccessToken, string TokenType);

public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/api/v1/sessions").WithTags("Sessions");
        sessions.MapPost("/", CreateSession);
        sessions.MapDelete("/current", RevokeCurrent).RequireAuthorization();
        return routes;
    }

    private static async Task<Results<Ok<SessionResponse>, FieldErrorsProblem, TooManyRequestsProblem, UnauthorizedProblem>> CreateSession(
        CreateSessionRequest request, IGrainFactory grains, PasswordHashing passwords, LoginThrottle throttle, HttpContext http)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(request.Username)) errors.Add("username", "is required");
        if (string.IsNullOrEmpty(request.Password)) errors.Add("password", "is required");
        if (errors.Any) return errors.ToResult();

        // Before the password is checked: during a lockout even the right one is refused, and costs no hashing.
        var attempt = LoginThrottle.Key(request.Username!, http.Connection.RemoteIpAddress);
        if (throttle.TryBegin(attempt) is { } wait)
        {
            return LoginThrottle.TooMany(http, wait);
        }

        var hash = AccountRules.IsValidUsername(request.Username)
            ? await grains.GetGrain<IUserGrain>(AccountRules.Key(request.Username!)).GetPasswordHash()
            : null;
        // Same answer for an unknown user and a wrong password, so the endpoint does not reveal which names exist.
        if (hash is null || request.Password!.Length > AccountRules.MaxPasswordLength || !passwords.Verify(hash, request.Password))
        {
            throttle.Failed(attempt);
            return Problem.Unauthorized("Unknown username or wrong password.");
        }
        throttle.Succeeded(attempt);
        var token = BearerTokenHandler.NewToken();
        await grains.GetGrain<ISessionGrain>(BearerTokenHandler.HashToken(token)).Open(AccountRules.Key(request.Username!));
        return TypedResults.Ok(new SessionResponse(token, "Bearer"));
    }

    private static async Task<NoContent> RevokeCurrent(ClaimsPrincipal user, IGrainFactory grains, SessionCache sessions)
    {
        var hash = user.FindFirstValue(BearerTokenHandler.TokenHashClaim)!;
        await grains.GetGrain<ISessionGrain>(hash).Revoke();
        // After the grain has it: a check that read the grain before is not stored (SessionCache.Generation).
        sessions.Evict(hash);
        await grains.GetGrain<IUserGrain>(user.Caller()!).SessionClosed(hash);
        return TypedResults.NoContent();
    }
}
