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

    public FieldErrorsProblem ToResult() => new(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}

/// <summary>The problems handlers answer, typed (<see cref="TypedProblem"/>) so that their signatures document them.</summary>
public static class Problem
{
    public static NotFoundProblem NotFound(string detail) => new(detail);

    public static ConflictProblem Conflict(string detail) => new(detail);

    public static GoneProblem Gone(string detail) => new(detail);

    public static BadRequestProblem BadRequest(string detail) => new(detail);

    public static UnauthorizedProblem Unauthorized(string detail) => new(detail);

    public static ForbiddenProblem Forbidden(string detail) => new(detail);

    public static TooManyRequestsProblem TooManyRequests(string detail) => new(detail);

    /// <summary>A request that is well-formed but cannot be processed, outside any one body field.</summary>
    public static UnprocessableProblem Unprocessable(string title, string detail) => new(title, detail);
}
