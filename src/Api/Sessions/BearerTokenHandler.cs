using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Herenow.Grains.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Sessions;

/// <summary>
/// Authenticates "Authorization: Bearer &lt;token&gt;" by looking up the token's SHA-256 in its session grain, or in
/// <see cref="SessionCache"/> when this process checked it within the last few seconds. Tokens are stored only as
/// hashes; a revoked or unknown token is a 401 problem document.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IGrainFactory grains,
    SessionCache sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string TokenHashClaim = "herenow:token_hash";

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 200)
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }
        var hash = HashToken(header["Bearer ".Length..].Trim());
        if (!sessions.TryGet(hash, out var username))
        {
            var generation = sessions.Generation;
            var found = await grains.GetGrain<ISessionGrain>(hash).GetUsername();
            if (found is null)
            {
                return AuthenticateResult.Fail("The access token is unknown or revoked.");
            }
            sessions.Set(hash, found, generation);
            username = found;
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, username), new Claim(TokenHashClaim, hash)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(title: "Unauthorized", statusCode: 401,
            detail: "This needs a valid access token: Authorization: Bearer <token> (POST /api/v1/sessions).")
            .ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(title: "Forbidden", statusCode: 403).ExecuteAsync(Context);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class CallerExtensions
{
    /// <summary>The caller's username key, or null when anonymous.</summary>
    public static string? Caller(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);
}
