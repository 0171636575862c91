using Microsoft.Extensions.Primitives;

namespace Herenow.Api.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF draft "The Idempotency-Key HTTP Header Field"). The draft's form is
/// a quoted string (<c>"8e03978e-..."</c>); the bare form (<c>8e03978e-...</c>) that many clients send is accepted too.
/// </summary>
public static class IdempotencyKey
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 255;

    /// <summary>Reads the key from the header's values; false with a message for the 400 when it is unusable.</summary>
    public static bool TryParse(StringValues values, out string key, out string error)
    {
        key = "";
        if (values.Count != 1)
        {
            error = $"Send one {HeaderName} header, not {values.Count}.";
            return false;
        }
        var text = values[0] ?? "";
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            text = text[1..^1];
        }
        if (text.Length == 0)
        {
            error = $"The {HeaderName} header is empty.";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"The {HeaderName} header is longer than {MaxLength} characters.";
            return false;
        }
        // Printable ASCII only; quotes and backslashes would need escaping in the draft's quoted form.
        if (text.Any(c => c is < ' ' or > '~' or '"' or '\\'))
        {
            error = $"The {HeaderName} header may contain printable ASCII characters only (no quotes or backslashes).";
            return false;
        }
        key = text;
        error = "";
        return true;
    }

    /// <summary>
    /// Which final results are remembered and replayed. 2xx and 4xx describe what this request did or why it cannot
    /// work, so a repeat gets the same answer. Not remembered, so that a retry runs again: 5xx (a retry after a 503
    /// must be able to succeed), and the 4xx that say "not now" rather than "not this": 408, 409, 425, 429.
    /// </summary>
    public static bool IsRemembered(int status) =>
        status is >= 200 and < 300 || (status is >= 400 and < 500 and not (408 or 409 or 425 or 429));
}

/// <summary>The caller's key for this request, set by <see cref="IdempotencyMiddleware"/> for handlers that pass it on.</summary>
public sealed record IdempotencyKeyFeature(string Key);

/// <summary>Endpoint metadata: this POST creates something and honours <c>Idempotency-Key</c>.</summary>
public sealed class IdempotentEndpoint
{
    public static readonly IdempotentEndpoint Instance = new();

    private IdempotentEndpoint()
    {
    }
}

public static class IdempotentEndpointExtensions
{
    public static TBuilder WithIdempotencyKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(IdempotentEndpoint.Instance).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            // Client authors find the header where they look for everything else: the OpenAPI document.
            operation.Parameters ??= [];
            operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
            {
                Name = IdempotencyKey.HeaderName,
                In = Microsoft.OpenApi.ParameterLocation.Header,
                Required = false,
                Description = "Makes a retried create safe: per account, remembered 24 h; a repeat returns the original status and body.",
                Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, MaxLength = 255 },
            });
            return Task.CompletedTask;
        });
}
