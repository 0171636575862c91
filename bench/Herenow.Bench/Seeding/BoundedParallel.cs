using System.Diagnostics;

namespace Herenow.Bench.Seeding;

/// <summary>Runs a grain call per item with bounded parallelism, printing progress every few seconds.</summary>
public static class BoundedParallel
{
    public static async Task<long> ForEachAsync<T>(string what, IReadOnlyCollection<T> items, int parallelism,
        Func<T, CancellationToken, ValueTask> body, CancellationToken ct = default)
    {
        long done = 0;
        var clock = Stopwatch.StartNew();
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reporter = Task.Run(async () =>
        {
            while (!reporting.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(5), reporting.Token); } catch (OperationCanceledException) { break; }
                var n = Interlocked.Read(ref done);
                Console.WriteLine(FormattableString.Invariant(
                    $"  {what}: {n:N0}/{items.Count:N0} ({n / clock.Elapsed.TotalSeconds:F0}/s, {clock.Elapsed.TotalSeconds:F0} s)"));
            }
        }, CancellationToken.None);
        try
        {
            await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
                async (item, token) =>
                {
                    await body(item, token);
                    Interlocked.Increment(ref done);
                });
        }
        finally
        {
            await reporting.CancelAsync();
            await reporter;
        }
        Console.WriteLine(FormattableString.Invariant($"  {what}: {done:N0} in {clock.Elapsed.TotalSeconds:F1} s"));
        return done;
    }
}
