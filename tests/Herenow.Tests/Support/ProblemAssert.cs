using System.Net;
using Microsoft.AspNetCore.Http;

namespace Herenow.Tests.Support;

public static class ProblemAssert
{
    /// <summary>
    /// Asserts an RFC 9457 problem document with the expected status; returns it (<see cref="HttpValidationProblemDetails.Errors"/>
    /// holds the field errors of a 422, empty otherwise).
    /// </summary>
    public static async Task<HttpValidationProblemDetails> IsProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync<HttpValidationProblemDetails>();
        Assert.Equal((int)expected, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        return problem;
    }
}
