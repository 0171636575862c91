using System.Text.Json;
using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herenow.Tests.Bench;

/// <summary>
/// A few seconds of the load client against a real Kestrel on loopback (the raw-socket client needs a socket; the
/// framings are those the API uses: a fixed-length body, a chunked JSON body, a 201 to a POST with a body, an error
/// status), then the report writer's three files. Nothing here asserts a latency or a rate.
/// </summary>
public sealed class HarnessSmokeTests : IAsyncLifetime
{
    private WebApplication app = null!;
    private Uri baseUrl = null!;
    private int posted;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> serverConnections = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Use(async (http, next) =>
        {
            serverConnections.TryAdd(http.Connection.Id, true);
            await next(http);
        });
        app.MapGet("/health/live", () => "Healthy");
        app.MapGet("/feed", async (HttpContext http) =>
        {
            // No Content-Length: Kestrel answers chunked, as the API's JSON endpoints do.
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("[");
            await http.Response.Body.FlushAsync();
            await http.Response.WriteAsync(string.Join(',', Enumerable.Range(0, 200)) + "]");
        });
        app.MapPost("/checkins", async (HttpContext http) =>
        {
            using var body = new StreamReader(http.Request.Body);
            var json = JsonDocument.Parse(await body.ReadToEndAsync());
            Interlocked.Increment(ref posted);
            return Results.Json(new { id = json.RootElement.GetProperty("n").GetInt64() }, statusCode: 201);
        });
        app.MapGet("/missing", () => Results.NotFound());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        baseUrl = new Uri(address);
    }

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task The_raw_client_runs_every_framing_at_a_fixed_rate_and_the_report_is_written()
    {
        var runner = new FixedRateRunner(new RawHttpTarget(baseUrl));
        var health = await runner.RunAsync(ApiScenarios.HealthLive(), rate: 200, TimeSpan.FromSeconds(1));
        var feed = await runner.RunAsync(new Scenario("GET /feed", _ => new BenchRequest("GET", "/feed")), rate: 50, TimeSpan.FromSeconds(1));
        var checkins = await runner.RunAsync(new Scenario("POST /checkins",
            n => new BenchRequest("POST", "/checkins", "token", JsonSerializer.SerializeToUtf8Bytes(new { n })), status => status == 201),
            rate: 50, TimeSpan.FromSeconds(1));
        var missing = await runner.RunAsync(new Scenario("GET /missing", _ => new BenchRequest("GET", "/missing")), rate: 10, TimeSpan.FromSeconds(1));

        Assert.Equal(200, health.Requests);
        Assert.Equal(0, health.Errors);
        Assert.Equal(200, health.Statuses["200"]);
        Assert.Equal(200, health.Timeline.Sum(p => p.Count));
        Assert.Equal(50, feed.Requests);
        Assert.Equal(0, feed.Errors);
        Assert.Equal(50, checkins.Statuses["201"]);
        Assert.Equal(50, posted);
        Assert.Equal(10, missing.Errors);
        Assert.Equal(10, missing.Statuses["404"]);
        // Keep-alive: far fewer connections than requests.
        // Keep-alive: the server saw no more connections than the client opened (none reopened per request), and
        // every connection carried requests of its run (the client opens more only while all are busy).
        Assert.InRange(serverConnections.Count, 1, health.Connections + feed.Connections + checkins.Connections + missing.Connections);

        var directory = Path.Combine(Path.GetTempPath(), "herenow-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = new BenchReport { Commit = "test", Profile = "smoke" };
            report.Figures.Add(new FigureResult("health", "Health", "smoke run",
                [new Metric("rate", health.AchievedRate, "/s", feed.AchievedRate, "feed"), new Metric("CPU per request: api", 0.05, "ms CPU")],
                [StepSummary.From(health), StepSummary.From(feed)], 0, 3));
            report.Timeline.AddRange(health.Timeline.Concat(feed.Timeline));
            await ReportWriter.WriteAsync(report, directory);

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")));
            Assert.Equal("health", json.RootElement.GetProperty("figures")[0].GetProperty("id").GetString());
            Assert.True(json.RootElement.GetProperty("machine").GetProperty("nproc").GetInt32() > 0);
            var markdown = await File.ReadAllTextAsync(Path.Combine(directory, "results.md"));
            Assert.Contains("| Figure | Metric | Value | Baseline | Ratio |", markdown, StringComparison.Ordinal);
            Assert.Contains("| Health | rate |", markdown, StringComparison.Ordinal);
            Assert.Contains("| Health | CPU per request: api | 0.050 ms CPU |", markdown, StringComparison.Ordinal);
            var png = await File.ReadAllBytesAsync(Path.Combine(directory, "chart.png"));
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
