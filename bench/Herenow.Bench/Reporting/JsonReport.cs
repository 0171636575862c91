using System.Text.Json;

namespace Herenow.Bench.Reporting;

/// <summary>results.json: the report itself, snake_case like the API; read back to append a later invocation's figures.</summary>
public static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static async Task WriteAsync(BenchReport report, string path)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, report, Options);
    }

    public static async Task<BenchReport?> ReadAsync(string path)
    {
        if (!File.Exists(path)) return null;
        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<BenchReport>(file, Options);
    }
}
