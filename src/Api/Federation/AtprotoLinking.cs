using System.Text.Json;
using Herenow.Api.Problems;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.Atproto;
using Herenow.Grains.Federation.Http;
using Herenow.Grains.Security;

namespace Herenow.Api.Federation;

/// <summary>The <c>federation.atproto</c> part of PATCH /accounts/me, as sent.</summary>
public sealed record AtprotoLinkRequest(string PdsUrl, string Handle, string AppPassword);

/// <summary>
/// Links and unlinks an AT Protocol account. A link is checked by creating a session at once, so a wrong handle,
/// password or PDS is a 422 now (with the PDS's own message), not a silent failure at the first check-in.
/// </summary>
public sealed class AtprotoLinking(AtprotoAccounts accounts, XrpcClient xrpc, SecretBox secrets, FederationOptions options, IGrainFactory grains)
{
    public const string Field = "federation.atproto";

    /// <summary>Reads <c>federation.atproto</c>: undefined (leave as is), null (unlink) or an object (link).</summary>
    public static AtprotoLinkRequest? Read(JsonElement value, FieldErrors errors, out bool unlink)
    {
        unlink = value.ValueKind == JsonValueKind.Null;
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(Field, "must be an object {pds_url, handle, app_password} or null");
            return null;
        }
        var pds = Text(value, "pds_url");
        var handle = Text(value, "handle")?.Trim().TrimStart('@');
        var password = Text(value, "app_password");
        if (pds is null || !Uri.TryCreate(pds, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            errors.Add(Field + ".pds_url", "must be an absolute https URL (plain http only for local test servers)");
        }
        if (string.IsNullOrWhiteSpace(handle) || handle.Length > 253)
        {
            errors.Add(Field + ".handle", "is required (e.g. alice.bsky.social)");
        }
        if (string.IsNullOrEmpty(password) || password.Length > 256)
        {
            errors.Add(Field + ".app_password", "is required (an app password, not the account password)");
        }
        return errors.Any ? null : new AtprotoLinkRequest(pds!.TrimEnd('/'), handle!, password!);
    }

    /// <summary>Null when linked; otherwise the problem to answer.</summary>
    public async Task<IResult?> LinkAsync(string username, AtprotoLinkRequest request, CancellationToken cancellationToken)
    {
        if (!secrets.Available)
        {
            return Results.Problem(title: "AT Protocol linking is not configured",
                detail: $"This server has no {SecretBox.KeySetting} to keep app passwords encrypted.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var pds = new Uri(request.PdsUrl);
        if (pds.Scheme == "http" && !options.AllowPrivateNetworks)
        {
            return Unprocessable("pds_url", "must be https");
        }
        AtprotoSession session;
        try
        {
            session = await xrpc.CreateSessionAsync(pds, request.Handle, request.AppPassword, cancellationToken);
        }
        catch (XrpcException e)
        {
            return Unprocessable("app_password", $"The PDS refused the login: {e.Error}: {e.Detail}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RemoteRequestRefusedException)
        {
            return Unprocessable("pds_url", $"The PDS could not be reached: {e.Message}");
        }
        await accounts.LinkAsync(username, new AtprotoLink(request.PdsUrl, session.Handle, session.Did), request.AppPassword);
        await grains.GetGrain<IAtprotoAccountGrain>(username).Relinked();
        return null;
    }

    public Task UnlinkAsync(string username) => accounts.UnlinkAsync(username);

    private static FieldErrorsProblem Unprocessable(string field, string message)
    {
        var errors = new FieldErrors();
        errors.Add(Field + "." + field, message);
        return errors.ToResult();
    }

    private static string? Text(JsonElement value, string name) =>
        value.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String ? property.GetString() : null;
}
