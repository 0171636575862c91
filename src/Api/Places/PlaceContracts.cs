using System.Globalization;
using System.Text.RegularExpressions;
using Herenow.Api.Accounts;
using Herenow.Api.Problems;
using Herenow.Grains.Places;

namespace Herenow.Api.Places;

public sealed record CreatePlaceRequest(string? Name, double? Latitude, double? Longitude, string? Category, string? Address);

public sealed record PlaceStatsResponse(int CheckinsCount, int VisitorsCount, int HereNowCount);

public sealed record PlaceResponse(
    string Id,
    string Name,
    double Latitude,
    double Longitude,
    string? Category,
    string? Address,
    DateTimeOffset CreatedAt,
    PlaceStatsResponse Stats,
    AccountResponse? Mayor)
{
    public static PlaceResponse From(PlaceDetails p, PlaceStats s, AccountResponse? mayor) => new(
        p.Id, p.Name, p.Latitude, p.Longitude, p.Category, p.Address, p.CreatedAt,
        new PlaceStatsResponse(s.CheckinsCount, s.VisitorsCount, s.HereNowCount), mayor);
}

public sealed record NearbyPlaceResponse(
    string Id,
    string Name,
    double Latitude,
    double Longitude,
    string? Category,
    string? Address,
    DateTimeOffset CreatedAt,
    double DistanceM)
{
    public static NearbyPlaceResponse From(NearbyPlace n) => new(
        n.Place.Id, n.Place.Name, n.Place.Latitude, n.Place.Longitude, n.Place.Category, n.Place.Address,
        n.Place.CreatedAt, Math.Round(n.DistanceM, 1));
}

public static partial class PlaceRules
{
    public const int MaxNameLength = 100;
    public const int MaxCategoryLength = 50;
    public const int MaxAddressLength = 200;
    public const double DefaultRadiusM = 1000;
    public const double MaxRadiusM = 100_000;
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    /// <summary>Ids are ours (time-ordered, or "geonames-N" from the import): anything else is unknown without a lookup.</summary>
    public static bool IsPlausibleId(string id) => IdPattern().IsMatch(id);

    public static FieldErrors Validate(CreatePlaceRequest request, string? createdBy, out NewPlace? place)
    {
        var errors = new FieldErrors();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "is required");
        }
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            errors.Add("name", $"must be 1-{MaxNameLength} characters, without control characters");
        }
        CheckCoordinate(errors, "latitude", request.Latitude, 90);
        CheckCoordinate(errors, "longitude", request.Longitude, 180);
        var category = Optional(errors, "category", request.Category, MaxCategoryLength);
        var address = Optional(errors, "address", request.Address, MaxAddressLength);
        place = errors.Any ? null : new NewPlace(name!, request.Latitude!.Value, request.Longitude!.Value, category, address, createdBy);
        return errors;
    }

    /// <summary>
    /// Reads the nearby query from raw query-string values, so that a non-number is a 422 with field errors rather than
    /// a binding failure. A limit above the maximum is lowered to it (as for paging); a radius above it is an error,
    /// because silently searching a smaller area would change the answer.
    /// </summary>
    public static FieldErrors ReadNearby(
        string? latitude, string? longitude, string? radiusM, string? query, string? category, string? limit,
        out NearbyQuery? nearby)
    {
        var errors = new FieldErrors();
        var lat = Number(errors, "latitude", latitude, null, -90, 90, "must be a number from -90 to 90");
        var lon = Number(errors, "longitude", longitude, null, -180, 180, "must be a number from -180 to 180");
        var radius = Number(errors, "radius_m", radiusM, DefaultRadiusM, double.Epsilon, MaxRadiusM,
            $"must be a number of metres above 0 and at most {MaxRadiusM:0}");
        var count = DefaultLimit;
        if (!string.IsNullOrEmpty(limit))
        {
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1)
            {
                errors.Add("limit", "must be a positive whole number");
            }
            count = Math.Min(count, MaxLimit);
        }
        var text = string.IsNullOrWhiteSpace(query) ? null : query.Trim();
        if (text is not null && (text.Length > MaxNameLength || text.Any(char.IsControl)))
        {
            errors.Add("query", $"must be at most {MaxNameLength} characters, without control characters");
        }
        var kind = string.IsNullOrWhiteSpace(category) ? null : category.Trim();
        if (kind is not null && (kind.Length > MaxCategoryLength || kind.Any(char.IsControl)))
        {
            errors.Add("category", $"must be at most {MaxCategoryLength} characters, without control characters");
        }
        nearby = errors.Any ? null : new NearbyQuery(lat!.Value, lon!.Value, radius!.Value, text, kind, count);
        return errors;
    }

    private static void CheckCoordinate(FieldErrors errors, string field, double? value, double bound)
    {
        if (value is not { } v)
        {
            errors.Add(field, "is required");
        }
        else if (!double.IsFinite(v) || v < -bound || v > bound)
        {
            errors.Add(field, $"must be a number from -{bound} to {bound}");
        }
    }

    private static double? Number(FieldErrors errors, string field, string? raw, double? fallback, double min, double max, string message)
    {
        if (string.IsNullOrEmpty(raw))
        {
            if (fallback is null)
            {
                errors.Add(field, "is required");
            }
            return fallback;
        }
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ||
            !double.IsFinite(value) || value < min || value > max)
        {
            errors.Add(field, message);
            return null;
        }
        return value;
    }

    /// <summary>Trimmed; blank is absent.</summary>
    private static string? Optional(FieldErrors errors, string field, string? value, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }
        if (trimmed.Length > maxLength || trimmed.Any(char.IsControl))
        {
            errors.Add(field, $"must be at most {maxLength} characters, without control characters");
        }
        return trimmed;
    }
}
