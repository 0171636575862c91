using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Bench.Counters;
using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;
using Herenow.Bench.Seeding;
using Herenow.Grains.Accounts;

namespace Herenow.Bench.Figures;

/// <summary>
/// Figure 8: the cost of a check-in must not grow with the author's history. One author with
/// <see cref="BenchOptions.HistoryCheckins"/> earlier check-ins (posted through the API, once; kept in the data
/// directory) and one brand-new author post at the same low fixed rate, one author each (an author's posts are
/// serialised by design), in alternating rounds so drift on the host hits both alike. Reported: p50/p99 of each and
/// the ratio history/new (goal ≤ 1.2), plus the per-check-in counters of each (commits, statements, WAL bytes, CPU),
/// which say the same without noise.
/// </summary>
public sealed class HistoryFigure : IFigure
{
    public string Id => "history";

    public async Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct)
    {
        var start = context.Now;
        var options = context.Options;
        var veteran = "bench_hist" + options.HistoryCheckins.ToString(CultureInfo.InvariantCulture);
        var fresh = "bench_new_" + Guid.NewGuid().ToString("N")[..10];
        var hash = new PasswordHashing().Hash(BenchOptions.SeedPassword);
        foreach (var name in new[] { veteran, fresh })
        {
            if (await context.Cluster.GetGrain<IUserGrain>(name).GetAccount(null) is null)
            {
                await context.Cluster.GetGrain<IUserGrain>(name).Register(new NewAccount(name, name, hash));
            }
        }
        var tokens = await SessionMinter.MintAsync(context.Cluster, [veteran, fresh], 2, ct);
        var veteranToken = tokens[0].Token;
        var freshToken = tokens[1].Token;

        var existing = await CheckinsCountAsync(context.Http, veteran, ct);
        var missing = Math.Max(0, options.HistoryCheckins - existing);
        if (missing > 0)
        {
            Console.WriteLine(FormattableString.Invariant($"history: {veteran} has {existing:N0} check-ins; posting {missing:N0} more through the API"));
            var failures = 0;
            // Bounded: on a write path whose cost grows with the history, 10,000 posts can take far longer than a
            // minute. What was reached is kept (the next run tops it up) and the figure names the real count.
            using var cap = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cap.CancelAfter(TimeSpan.FromSeconds(options.HistorySeedSeconds));
            try
            {
                await BoundedParallel.ForEachAsync($"history of {veteran}", Enumerable.Range(0, missing).ToList(), 8, async (_, token) =>
                {
                    if (!await PostAsync(context, veteranToken, token)) Interlocked.Increment(ref failures);
                }, cap.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Console.WriteLine(FormattableString.Invariant($"history: stopped seeding after {options.HistorySeedSeconds} s (--history-seed-seconds)"));
            }
            if (failures > 0) Console.WriteLine($"history: {failures} posts failed");
        }
        var history = await CheckinsCountAsync(context.Http, veteran, ct);
        Console.WriteLine(FormattableString.Invariant($"history: {veteran} has {history:N0} check-ins; {fresh} is new"));
        // Let the seeding's fan-outs and flushes settle before measuring.
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(5, options.SettleSeconds)), ct);

        var veteranScenario = ApiScenarios.PostCheckinAs($"POST check-in, {history:N0} earlier", context.Data, veteranToken);
        var freshScenario = ApiScenarios.PostCheckinAs("POST check-in, new author", context.Data, freshToken);
        // Warm-up of both (activation, first-post paths), not recorded.
        await context.Runner.RunAsync(veteranScenario, options.HistoryRate, TimeSpan.FromSeconds(2), stop: ct);
        await context.Runner.RunAsync(freshScenario, options.HistoryRate, TimeSpan.FromSeconds(2), stop: ct);
        var veteranRecorder = new LatencyRecorder(veteranScenario.Name);
        var freshRecorder = new LatencyRecorder(freshScenario.Name);
        var veteranCosts = new List<CostPerRequest>();
        var freshCosts = new List<CostPerRequest>();
        RunResult? veteranResult = null, freshResult = null;
        for (var round = 0; round < options.HistoryRounds; round++)
        {
            freshResult = await context.CountedRunAsync(freshScenario, options.HistoryRate, options.HistoryRound, freshRecorder, ct);
            if (freshResult.Cost is { } fc) freshCosts.Add(fc);
            veteranResult = await context.CountedRunAsync(veteranScenario, options.HistoryRate, options.HistoryRound, veteranRecorder, ct);
            if (veteranResult.Cost is { } vc) veteranCosts.Add(vc);
            Console.WriteLine($"  round {round + 1}/{options.HistoryRounds}: {freshResult.Summary}\n                {veteranResult.Summary}");
        }
        var freshCost = CostPerRequest.Combine(freshCosts);
        var veteranCost = CostPerRequest.Combine(veteranCosts);
        freshResult = freshResult! with { Cost = freshCost };
        veteranResult = veteranResult! with { Cost = veteranCost };
        context.Keep(freshResult);
        context.Keep(veteranResult);

        var label = history.ToString("N0", CultureInfo.InvariantCulture);
        var shortOf = history < options.HistoryCheckins
            ? FormattableString.Invariant($" Seeding was capped at {options.HistorySeedSeconds} s and reached {label} of {options.HistoryCheckins:N0} check-ins (the posts got slower as the history grew); the next run tops it up.")
            : "";
        var metrics = new List<Metric>
        {
            new($"p50 of a check-in, author with {label} earlier (baseline: new author)", veteranResult.P50Ms, "ms", freshResult.P50Ms, "new author"),
            new($"p99 of a check-in, author with {label} earlier (baseline: new author)", veteranResult.P99Ms, "ms", freshResult.P99Ms, "new author"),
            new("max, author with history (baseline: new author)", veteranResult.MaxMs, "ms", freshResult.MaxMs, "new author"),
        };
        if (veteranCost is not null && freshCost is not null)
        {
            void Pair(string what, double? v, double? f, string unit)
            {
                if (v is { } a) metrics.Add(new($"{what} per check-in, author with history (baseline: new author)", a, unit, f, "new author"));
            }
            Pair("commits", veteranCost.Commits, freshCost.Commits, "commits");
            Pair("statements", veteranCost.Statements, freshCost.Statements, "statements");
            Pair("WAL bytes", veteranCost.WalBytes, freshCost.WalBytes, "B");
            Pair("grain calls", veteranCost.GrainCalls, freshCost.GrainCalls, "calls");
            Pair("grain state writes", veteranCost.StorageWrites, freshCost.StorageWrites, "writes");
            foreach (var process in veteranCost.CpuMs.Keys.Order(StringComparer.Ordinal))
            {
                Pair("CPU " + process, veteranCost.CpuMs[process], freshCost.CpuMs.GetValueOrDefault(process), "ms CPU");
            }
        }
        var method = FormattableString.Invariant(
            $"Author `{veteran}` ({label} earlier check-ins, posted through POST /api/v1/checkins once and kept) against a new author registered for this run; each posts public check-ins at {options.HistoryRate}/s fixed rate (open loop, one author per run — an author's posts are serialised by design), {options.HistoryRounds} alternating rounds of {options.HistoryRound.TotalSeconds} s each, new author first. Latency from the scheduled send time, pooled per author over the rounds; counters are the rounds' deltas per check-in. Goal: ratio ≤ 1.2 — a check-in must cost the same whatever the history.{shortOf}");
        return new FigureResult(Id + (options.Variant is null ? "" : "-" + options.Variant), "8. Cost independent of history" + context.Suffix,
            method, metrics, [StepSummary.From(freshResult), StepSummary.From(veteranResult)], start, context.Now);
    }

    private static async Task<int> CheckinsCountAsync(HttpClient http, string username, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri("/api/v1/accounts/" + username, UriKind.Relative), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return json.GetProperty("checkins_count").GetInt32();
    }

    /// <summary>One seeding post; a 503 (busy) is retried after a second, a few times.</summary>
    private static async Task<bool> PostAsync(FigureContext context, string token, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var body = ApiScenarios.PostCheckinAs("seed", context.Data, token).Build(0);
            using var request = new HttpRequestMessage(HttpMethod.Post, body.PathAndQuery)
            {
                Content = new ByteArrayContent(body.JsonBody!) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await context.Http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Created) return true;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        return false;
    }
}
