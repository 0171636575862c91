using Herenow.Grains.Common;
using Herenow.Grains.Places;

namespace Herenow.Grains.Checkins;

/// <summary>
/// What a new check-in must be, whoever posts it (the REST API today, an import or another client tomorrow): the
/// author's grain checks these before anything is written, so no entry point can skip them. The API only parses.
/// </summary>
public static class CheckinRules
{
    public const int MaxShoutLength = 280;
    public const int MaxMedia = 4;

    /// <summary>How far from its place a check-in may be made, plus the reported accuracy.</summary>
    public const double MaxDistanceM = 1000;

    public static readonly TimeSpan MinPublishDelay = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxPublishDelay = TimeSpan.FromDays(7);

    /// <summary>Every rule the check-in breaks, as (field, message) in the API's field names; empty when it is fine.</summary>
    public static List<RuleViolation> Check(NewCheckin checkin)
    {
        var broken = new List<RuleViolation>();
        void Add(string field, string message) => broken.Add(new RuleViolation(field, message));

        var coordinatesValid = true;
        if (checkin.Latitude is < -90 or > 90 || double.IsNaN(checkin.Latitude))
        {
            Add("latitude", "must be a number from -90 to 90");
            coordinatesValid = false;
        }
        if (checkin.Longitude is < -180 or > 180 || double.IsNaN(checkin.Longitude))
        {
            Add("longitude", "must be a number from -180 to 180");
            coordinatesValid = false;
        }
        if (checkin.AccuracyM is { } accuracy && (accuracy is < 0 or > 100_000 || double.IsNaN(accuracy)))
        {
            Add("accuracy_m", "must be from 0 to 100000");
        }
        if (checkin.Shout is { Length: > MaxShoutLength })
        {
            Add("shout", $"must be at most {MaxShoutLength} characters");
        }
        if (checkin.MediaIds.Count > MaxMedia)
        {
            Add("media_ids", $"at most {MaxMedia} media");
        }
        if (checkin.MediaIds.Any(m => !TimeOrderedId.IsValid(m)))
        {
            Add("media_ids", "contains an id that is no media id");
        }
        if (checkin.MediaIds.Distinct(StringComparer.Ordinal).Count() != checkin.MediaIds.Count)
        {
            Add("media_ids", "lists a media id twice");
        }
        if (checkin.PublishDelay is { } delay && (delay < MinPublishDelay || delay > MaxPublishDelay))
        {
            Add("publish_after_seconds", "must be from 10 to 604800 (7 days)");
        }
        if (checkin.PublishDelay is not null && checkin.UntilNextCheckin)
        {
            Add("publish_on_next_checkin", "cannot be combined with publish_after_seconds");
        }
        if (coordinatesValid && broken.All(b => b.Field != "accuracy_m"))
        {
            var distance = Geo.HaversineMeters(checkin.Latitude, checkin.Longitude, checkin.Place.Latitude, checkin.Place.Longitude);
            if (distance > MaxDistanceM + (checkin.AccuracyM ?? 0))
            {
                Add("latitude", $"is {distance:F0} m from the place; a check-in must be within 1 km plus its accuracy");
            }
        }
        return broken;
    }
}

/// <summary>One broken rule: the request field it is about, and what is wrong.</summary>
public sealed record RuleViolation(string Field, string Message);

/// <summary>
/// A check-in refused by <see cref="CheckinRules"/>; nothing was written. One "field: message" line per broken rule
/// (the API answers them as a 422's field errors).
/// </summary>
[GenerateSerializer, Alias("herenow.checkin-rejected")]
public sealed class CheckinRejectedException : Exception
{
    public CheckinRejectedException()
    {
    }

    public CheckinRejectedException(string message) : base(message)
    {
    }

    public CheckinRejectedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public CheckinRejectedException(IEnumerable<RuleViolation> broken)
        : base(string.Join('\n', broken.Select(b => $"{b.Field}: {b.Message}")))
    {
    }

    public IReadOnlyList<RuleViolation> Violations => Message.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Split(": ", 2))
        .Select(parts => new RuleViolation(parts[0], parts.Length > 1 ? parts[1] : ""))
        .ToList();
}
