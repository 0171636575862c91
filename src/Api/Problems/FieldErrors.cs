namespace Herenow.Api.Problems;

/// <summary>Collects per-field validation messages and renders them as a 422 problem document.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }
        list.Add(message);
    }

    public IResult ToResult() => Results.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        title: "One or more fields are invalid.",
        statusCode: StatusCodes.Status422UnprocessableEntity);
}

public static class Problem
{
    public static IResult NotFound(string detail) =>
        Results.Problem(title: "Not found", detail: detail, statusCode: StatusCodes.Status404NotFound);

    public static IResult Conflict(string detail) =>
        Results.Problem(title: "Conflict", detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static IResult Gone(string detail) =>
        Results.Problem(title: "Gone", detail: detail, statusCode: StatusCodes.Status410Gone);

    public static IResult BadRequest(string detail) =>
        Results.Problem(title: "Bad request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>A request that is well-formed but cannot be processed, outside any one body field.</summary>
    public static IResult Unprocessable(string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status422UnprocessableEntity);
}
