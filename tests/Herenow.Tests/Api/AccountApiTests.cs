using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Tests.Support;

namespace Herenow.Tests.Api;

public sealed class AccountApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    [Fact]
    public async Task Created_account_is_201_with_the_contract_fields_and_readable_case_insensitively()
    {
        var response = await http.PostAsJsonAsync("/api/v1/accounts",
            new { username = "Carol_1", password = "a long password", display_name = "Carol" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/accounts/Carol_1", response.Headers.Location?.OriginalString);
        // Contract test: the JSON shape itself (snake_case field names, no password), so raw JSON.
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Carol_1", created.GetProperty("username").GetString());
        Assert.Equal("Carol", created.GetProperty("display_name").GetString());
        foreach (var field in new[] { "id", "note", "created_at", "followers_count", "following_count", "checkins_count" })
        {
            Assert.True(created.TryGetProperty(field, out _), $"missing {field}");
        }
        Assert.False(created.TryGetProperty("password", out _));
        Assert.False(created.TryGetProperty("password_hash", out _));

        var fetched = await http.GetAsync<AccountResponse>("/api/v1/accounts/carol_1");
        Assert.Equal(created.GetProperty("id").GetString(), fetched.Id);
    }

    [Fact]
    public async Task Duplicate_username_differing_only_in_case_is_409()
    {
        await http.PostAsJsonAsync("/api/v1/accounts", new { username = "dave", password = "a long password" });

        var response = await http.PostAsJsonAsync("/api/v1/accounts", new { username = "DAVE", password = "another password" });

        await ProblemAssert.IsProblem(response, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("{\"username\": \"x\",")]
    [InlineData("not json")]
    [InlineData("{\"username\": 12, \"password\": \"a long password\"}")]
    public async Task Malformed_json_is_400_problem(string body)
    {
        var response = await http.PostAsync("/api/v1/accounts", new StringContent(body, Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Wrong_content_type_is_415_problem()
    {
        var response = await http.PostAsync("/api/v1/accounts", new StringContent("username=x", Encoding.UTF8, "text/plain"));

        await ProblemAssert.IsProblem(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Invalid_fields_are_422_with_field_errors_and_create_nothing()
    {
        var response = await http.PostAsJsonAsync("/api/v1/accounts", new { username = "bad name!", password = "short" });

        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("username", problem.Errors.Keys);
        Assert.Contains("password", problem.Errors.Keys);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/accounts/bad_name")).StatusCode);
    }

    [Theory]
    [InlineData("nobody_here")]
    [InlineData("not a valid name")]
    public async Task Unknown_account_is_404_problem(string username)
    {
        var response = await http.GetAsync($"/api/v1/accounts/{Uri.EscapeDataString(username)}");

        await ProblemAssert.IsProblem(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        // Contract test: /health/ready has no contract record (an anonymous object), so raw JSON.
        var ready = await http.GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(1, ready.GetProperty("active_silos").GetInt32());
    }

    [Fact]
    public async Task OpenApi_document_describes_the_accounts_endpoints()
    {
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/accounts", out _));
    }
}
