using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Herenow.Api.Problems;

/// <summary>
/// A problem whose status is in its type, so that a handler's <c>Results&lt;...&gt;</c> documents it in OpenAPI; the body
/// is written by the Results.Problem it wraps (through IProblemDetailsService, trace_id included).
/// </summary>
public abstract class TypedProblem : IResult, IStatusCodeHttpResult
{
    private readonly IResult problem;

    private protected TypedProblem(int status, string title, string? detail) =>
        (StatusCode, problem) = (status, Results.Problem(title: title, detail: detail, statusCode: status));

    private protected TypedProblem(int status, IResult problem) => (StatusCode, this.problem) = (status, problem);

    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext) => problem.ExecuteAsync(httpContext);

    /// <summary>What <c>.ProducesProblem(status)</c> adds (<c>.ProducesValidationProblem</c> with HttpValidationProblemDetails).</summary>
    private protected static void Produces(EndpointBuilder builder, int status, Type? type = null) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(status, type ?? typeof(ProblemDetails), ["application/problem+json"]));
}

/// <summary>422 with per-field errors (<see cref="FieldErrors"/>).</summary>
public sealed class FieldErrorsProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status422UnprocessableEntity;

    internal FieldErrorsProblem(IDictionary<string, string[]> errors)
        : base(Status, Results.ValidationProblem(errors, title: "One or more fields are invalid.", statusCode: Status))
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Produces(builder, Status, typeof(HttpValidationProblemDetails));
}

public sealed class BadRequestProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status400BadRequest;

    internal BadRequestProblem(string detail) : base(Status, "Bad request", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

public sealed class UnauthorizedProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status401Unauthorized;

    internal UnauthorizedProblem(string detail) : base(Status, "Unauthorized", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

public sealed class ForbiddenProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status403Forbidden;

    internal ForbiddenProblem(string detail) : base(Status, "Forbidden", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

public sealed class NotFoundProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status404NotFound;

    internal NotFoundProblem(string detail) : base(Status, "Not found", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

public sealed class ConflictProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status409Conflict;

    internal ConflictProblem(string detail) : base(Status, "Conflict", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

public sealed class GoneProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status410Gone;

    internal GoneProblem(string detail) : base(Status, "Gone", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

/// <summary>422 outside any one body field (no <c>errors</c> member).</summary>
public sealed class UnprocessableProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status422UnprocessableEntity;

    internal UnprocessableProblem(string title, string detail) : base(Status, title, detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}

public sealed class TooManyRequestsProblem : TypedProblem, IEndpointMetadataProvider
{
    private const int Status = StatusCodes.Status429TooManyRequests;

    internal TooManyRequestsProblem(string detail) : base(Status, "Too many requests", detail)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Produces(builder, Status);
}
