using System.Collections.Concurrent;
using Herenow.Grains.Observability;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herenow.Tests.Observability;

/// <summary>
/// Log lines of a check-in request carry the check-in id and the trace id as scope properties (what the JSON console
/// formatter prints under "Scopes" with IncludeScopes): read here through a capturing logger provider that sees the
/// same scopes any provider does.
/// </summary>
public sealed class CheckinLogScopeTests
{
    [Fact]
    public async Task A_checkin_requests_log_lines_carry_the_checkin_id_and_the_trace_id()
    {
        var capture = new CapturingLoggerProvider();
        await using var cluster = await RealCluster.StartAsync(1);
        await using var api = ApiHost.CreateApi(cluster, new Dictionary<string, string?> { ["Logging:LogLevel:Herenow.Api.Checkins"] = "Debug" })
            .WithWebHostBuilder(web => web.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(capture)));
        using var http = api.CreateClient();
        var token = await http.SignUpAsync("logs_" + Guid.NewGuid().ToString("N")[..8]);
        var place = await http.CreatePlaceAsync(token, "Log place");

        var id = await http.CheckInAsync(token, place, "public");
        var created = Assert.Single(capture.Lines, l => l.Category == "Herenow.Api.Checkins" && l.Message.Contains(id, StringComparison.Ordinal));
        Assert.Equal(id, created.Scopes.GetValueOrDefault(CheckinScope.Key));
        var traceId = created.Scopes.GetValueOrDefault("TraceId");
        Assert.False(string.IsNullOrEmpty(traceId));
        Assert.NotEqual(new string('0', 32), traceId);

        // A request on an existing check-in: every line inside its endpoint has the id in scope.
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{id}", token)).StatusCode);
    }

    private sealed record Line(string Category, string Message, Dictionary<string, string?> Scopes);

    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<Line> Lines { get; } = new();

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner.scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = new Dictionary<string, string?>();
                owner.scopes.ForEachScope((scope, into) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs) into[key] = value?.ToString();
                    }
                }, values);
                owner.Lines.Enqueue(new Line(category, formatter(state, exception), values));
            }
        }
    }
}
