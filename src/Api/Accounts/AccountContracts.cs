using System.Text.RegularExpressions;
using Herenow.Api.Problems;
using Herenow.Api.Checkins;
using Herenow.Grains.Accounts;

namespace Herenow.Api.Accounts;

public sealed record CreateAccountRequest(string? Username, string? Password, string? DisplayName);

/// <summary>DELETE /api/v1/accounts/me: the password again, so that a leaked token alone cannot erase an account.</summary>
public sealed record DeleteAccountRequest(string? Password);

/// <summary>202 to a deletion: the saga is recorded and the account locked; the rest completes in the background.</summary>
public sealed record AccountDeletionResponse(string Username, string Status, DateTimeOffset RequestedAt);

public sealed record AccountResponse(
    string Id,
    string Username,
    string DisplayName,
    string Note,
    DateTimeOffset? CreatedAt,
    int FollowersCount,
    int FollowingCount,
    int CheckinsCount)
{
    /// <summary>Where the account lives: set for fediverse accounts (user@domain), whose created_at and counts are unknown here.</summary>
    public string? Url { get; init; }

    public static AccountResponse From(AccountView a) =>
        new(a.Id, a.Username, a.DisplayName, a.Note, a.CreatedAt, a.FollowersCount, a.FollowingCount, a.CheckinsCount);
}

public sealed record UpdateMeRequest(string? DisplayName, string? Note, string? DefaultVisibility, FederationSettings? Federation,
    IReadOnlyList<PrivacyZoneRequest?>? PrivacyZones = null);

/// <summary>A privacy zone as the owner sets and sees it: a centre and a radius in metres (50-5000).</summary>
public sealed record PrivacyZoneRequest(string? Name, double? Latitude, double? Longitude, double? RadiusM);

/// <param name="Atproto">Undefined: unchanged; null: unlink; an object {pds_url, handle, app_password}: link.</param>
public sealed record FederationSettings(bool? Activitypub, System.Text.Json.JsonElement Atproto);

public sealed record MeSettings(string DefaultVisibility, FederationSettingsResponse Federation)
{
    /// <summary>Where this user's check-ins show no place or coordinates to anyone else (owner only).</summary>
    public IReadOnlyList<PrivacyZoneRequest> PrivacyZones { get; init; } = [];
}

public sealed record FederationSettingsResponse(bool Activitypub, AtprotoLinkResponse? Atproto);

public sealed record AtprotoLinkResponse(string PdsUrl, string Handle, string Did);

public sealed record MeResponse(
    string Id, string Username, string DisplayName, string Note, DateTimeOffset CreatedAt,
    int FollowersCount, int FollowingCount, int CheckinsCount, MeSettings Settings)
{
    /// <param name="atproto">The linked AT Protocol account (pds_url, handle, did; never the password), or null.</param>
    public static MeResponse From(AccountView a, AccountSettings s, Herenow.Grains.Federation.Atproto.AtprotoLink? atproto = null) => new(
        a.Id, a.Username, a.DisplayName, a.Note, a.CreatedAt, a.FollowersCount, a.FollowingCount, a.CheckinsCount,
        new MeSettings(Checkins.CheckinResponses.Name(s.DefaultVisibility), new FederationSettingsResponse(s.ActivityPub,
            atproto is null ? null : new AtprotoLinkResponse(atproto.PdsUrl, atproto.Handle, atproto.Did)))
        {
            PrivacyZones = (s.PrivacyZones ?? []).Select(z => new PrivacyZoneRequest(z.Name, z.Latitude, z.Longitude, z.RadiusM)).ToList(),
        });
}

public static partial class AccountRules
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;
    public const int MaxDisplayNameLength = 50;

    [GeneratedRegex("^[A-Za-z0-9_]{1,30}$")]
    private static partial Regex UsernamePattern();

    public static bool IsValidUsername(string? username) => username is not null && UsernamePattern().IsMatch(username);

    /// <summary>The grain key: usernames are unique case-insensitively.</summary>
    public static string Key(string username) => username.ToLowerInvariant();

    public static FieldErrors Validate(CreateAccountRequest request)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(request.Username))
        {
            errors.Add("username", "is required");
        }
        else if (!IsValidUsername(request.Username))
        {
            errors.Add("username", "must be 1-30 characters of a-z, 0-9 and _");
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add("password", "is required");
        }
        else if (request.Password.Length < MinPasswordLength)
        {
            errors.Add("password", $"must be at least {MinPasswordLength} characters");
        }
        else if (request.Password.Length > MaxPasswordLength)
        {
            errors.Add("password", $"must be at most {MaxPasswordLength} characters");
        }

        if (request.DisplayName is { } name && (name.Length > MaxDisplayNameLength || name.Any(char.IsControl)))
        {
            errors.Add("display_name", $"must be at most {MaxDisplayNameLength} characters, without control characters");
        }
        return errors;
    }

    public const int MaxNoteLength = 500;

    private static List<PrivacyZone> ValidateZones(IReadOnlyList<PrivacyZoneRequest?> zones, FieldErrors errors)
    {
        if (zones.Count > PrivacyZone.MaxZones)
        {
            errors.Add("privacy_zones", $"at most {PrivacyZone.MaxZones} zones");
        }
        var valid = new List<PrivacyZone>();
        for (var i = 0; i < zones.Count; i++)
        {
            var field = $"privacy_zones[{i}]";
            if (zones[i] is not { } z)
            {
                errors.Add(field, "must be an object {name, latitude, longitude, radius_m}");
                continue;
            }
            var ok = true;
            if (z.Latitude is not (>= -90 and <= 90)) { errors.Add(field + ".latitude", "must be between -90 and 90"); ok = false; }
            if (z.Longitude is not (>= -180 and <= 180)) { errors.Add(field + ".longitude", "must be between -180 and 180"); ok = false; }
            if (z.RadiusM is not (>= PrivacyZone.MinRadiusM and <= PrivacyZone.MaxRadiusM))
            {
                errors.Add(field + ".radius_m", $"must be between {PrivacyZone.MinRadiusM} and {PrivacyZone.MaxRadiusM} metres");
                ok = false;
            }
            if (z.Name is { Length: > 50 } || (z.Name?.Any(char.IsControl) ?? false)) { errors.Add(field + ".name", "must be at most 50 characters"); ok = false; }
            if (ok)
            {
                valid.Add(new PrivacyZone(z.Name?.Trim() ?? "", z.Latitude!.Value, z.Longitude!.Value, z.RadiusM!.Value));
            }
        }
        return valid;
    }

    public static FieldErrors Validate(UpdateMeRequest request, out ProfileUpdate update)
    {
        var errors = new FieldErrors();
        if (request.DisplayName is { } name && (name.Trim().Length == 0 || name.Length > MaxDisplayNameLength || name.Any(char.IsControl)))
        {
            errors.Add("display_name", $"must be 1-{MaxDisplayNameLength} characters, without control characters");
        }
        if (request.Note is { Length: > MaxNoteLength })
        {
            errors.Add("note", $"must be at most {MaxNoteLength} characters");
        }
        Herenow.Grains.Checkins.Visibility? visibility = null;
        if (request.DefaultVisibility is not null)
        {
            if (Checkins.CheckinEndpoints.TryParseVisibility(request.DefaultVisibility, out var v)) visibility = v;
            else errors.Add("default_visibility", "must be public, followers or private");
        }
        if (request.Federation is { } federation)
        {
            Federation.AtprotoLinking.Read(federation.Atproto, errors, out _);
        }
        var zones = request.PrivacyZones is null ? null : ValidateZones(request.PrivacyZones, errors);
        update = new ProfileUpdate(request.DisplayName?.Trim(), request.Note, visibility, request.Federation?.Activitypub, zones);
        return errors;
    }
}
