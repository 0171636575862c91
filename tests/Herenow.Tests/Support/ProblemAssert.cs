using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Herenow.Tests.Support;

public static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 problem document with the expected status; returns its body.</summary>
    public static async Task<JsonElement> IsProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }
}
