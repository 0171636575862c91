using System.Text.Json.Nodes;

namespace Herenow.Api.Federation;

/// <summary>ActivityStreams responses: JSON written as built (the ActivityStreams names, not the REST API's snake_case).</summary>
public static class ActivityResults
{
    public const string ActivityJson = "application/activity+json";

    public static IResult Activity(JsonNode body, string contentType = ActivityJson) =>
        Results.Text(body.ToJsonString(), contentType, System.Text.Encoding.UTF8);
}
