using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Herenow.Chaos;

// A chaos run against a running cluster (scripts/chaos.sh starts one): steady check-ins with a ledger of every
// acknowledged id; kill -9 of a silo; PostgreSQL stopped immediately and started again; then the ledger is checked.
var options = ChaosOptions.Parse(args);
var clock = Stopwatch.StartNew();
using var http = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromSeconds(15) };
var client = new ChaosClient(http, clock);
var faults = new Faults(options);
var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

// Accounts, a follow graph, one place.
var run = Guid.NewGuid().ToString("N")[..6];
var random = new Random(42);
var users = Enumerable.Range(0, options.Users).Select(i => $"chaos{run}u{i}").ToList();
var tokens = new Dictionary<string, string>();
foreach (var user in users)
{
    tokens[user] = await client.SignUpAsync(user, "chaos run password");
}
var following = users.ToDictionary(u => u, u => users.Where(o => o != u).OrderBy(_ => random.Next()).Take(options.FollowsPerUser).ToHashSet());
foreach (var (user, followees) in following)
{
    foreach (var followee in followees)
    {
        await client.SendAsync(HttpMethod.Post, $"/api/v1/accounts/{followee}/follow", tokens[user], null, HttpStatusCode.OK);
    }
}
var place = (await client.SendAsync(HttpMethod.Post, "/api/v1/places", tokens[users[0]],
    new { name = $"Chaos {run}", latitude = 52.5200, longitude = 13.4050 }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
Say($"set up: {users.Count} users, {options.FollowsPerUser} follows each, place {place}");

// Open-loop load: each check-in starts at its scheduled time, whatever the previous ones are doing.
var start = clock.Elapsed;
TimeSpan At(TimeSpan offset) => start + offset;
async Task Until(TimeSpan offset)
{
    var wait = At(offset) - clock.Elapsed;
    if (wait > TimeSpan.Zero) await Task.Delay(wait);
}
var total = (int)(options.Rate * options.Duration.TotalSeconds);
var load = Enumerable.Range(0, total).Select(async i =>
{
    await Until(TimeSpan.FromSeconds(i / options.Rate));
    var author = users[Random.Shared.Next(users.Count)];
    return await client.CheckInAsync(author, tokens[author], place, $"chaos {run} #{i}");
}).ToList();

var killedAt = TimeSpan.Zero;
var pgStoppingAt = TimeSpan.MaxValue;
var pgStoppedAt = TimeSpan.Zero;
var pgStartedAt = TimeSpan.Zero;
var pgRestartingAt = TimeSpan.Zero;
var faultsDone = Task.Run(async () =>
{
    await Until(options.KillAt);
    killedAt = clock.Elapsed;
    var pid = faults.KillSilo(options.KillSilo);
    Say($"{Since(killedAt)}: kill -9 silo {options.KillSilo} (pid {pid})");
    await Until(options.PgStopAt);
    pgStoppingAt = clock.Elapsed;
    await faults.StopDatabaseAsync();
    pgStoppedAt = clock.Elapsed;
    Say($"{Since(pgStoppedAt)}: PostgreSQL stopped (immediate)");
    await Until(options.PgStopAt + options.PgDownFor);
    var restarting = clock.Elapsed;
    pgRestartingAt = restarting;
    await faults.StartDatabaseAsync();
    pgStartedAt = clock.Elapsed;
    Say($"{Since(pgStartedAt)}: PostgreSQL accepting connections again (start took {(pgStartedAt - restarting).TotalSeconds:F1} s)");
});
var ledger = (await Task.WhenAll(load)).ToList();
await faultsDone;
var loadEnded = clock.Elapsed;
string Since(TimeSpan t) => $"t={(t - start).TotalSeconds,5:F1}s";

var acknowledged = ledger.Where(c => c.Id is not null).ToList();
var attempts = ledger.SelectMany(c => c.Attempts).ToList();
Say($"load: {ledger.Count} check-ins attempted at {options.Rate}/s over {options.Duration.TotalSeconds} s, " +
    $"{acknowledged.Count} acknowledged, {ledger.Count - acknowledged.Count} given up after retries, {attempts.Count} requests");

var checks = new Checks(Say);
static bool Failed(Attempt a) => a.Status != 201;

// After the kill: when did errors stop?
// Only answers complete before the database fault began: those after it are that fault's.
var afterKill = attempts.Where(a => a.SentAt >= killedAt && a.SentAt + a.Took < pgStoppingAt).ToList();
var killErrors = afterKill.Where(Failed).ToList();
var errorsStopped = killErrors.Count == 0 ? TimeSpan.Zero : killErrors.Max(a => a.SentAt + a.Took) - killedAt;
Say($"silo kill: {killErrors.Count} of {afterKill.Count} requests failed; errors stopped {errorsStopped.TotalSeconds:F1} s after the kill; " +
    $"slowest answer {Max(afterKill):F1} s");
var lastKillError = killErrors.Select(a => a.SentAt).DefaultIfEmpty(TimeSpan.Zero).Max();
Say("  failed requests per second after the kill: " + string.Join(" ", Enumerable.Range(0, (int)Math.Ceiling((pgStoppingAt - killedAt).TotalSeconds))
    .Select(s => afterKill.Count(a => Failed(a) && (int)(a.SentAt - killedAt).TotalSeconds == s))));
checks.That("check-ins succeed again after the silo kill, before the database fault",
    killErrors.Count == 0 || afterKill.Any(a => !Failed(a) && a.SentAt > lastKillError),
    $"errors stopped after {errorsStopped.TotalSeconds:F1} s");

// While PostgreSQL is down: a quick 503 with Retry-After, never a hang; then recovery.
// Down: from pg_ctl's confirmed stop until the start command (pg_ctl start -w confirms a little after the server
// already accepts connections, so requests in that gap may rightly succeed).
var whileDown = attempts.Where(a => a.SentAt >= pgStoppedAt + TimeSpan.FromMilliseconds(200) && a.SentAt + a.Took < pgRestartingAt).ToList();
var not503 = whileDown.Count(a => a.Status != 503 || !a.RetryAfter);
if (not503 > 0)
{
    Say("  answers other than 503 with Retry-After: " + string.Join(", ", whileDown.Where(a => a.Status != 503 || !a.RetryAfter)
        .Select(a => $"{a.Status}{(a.RetryAfter ? "+Retry-After" : "")}{(a.Error is null ? "" : " " + a.Error)} at t={(a.SentAt - start).TotalSeconds:F1}s")));
}
Say($"database down {(pgStartedAt - pgStoppedAt).TotalSeconds:F1} s: {whileDown.Count} requests answered meanwhile, " +
    $"{not503} not 503 with Retry-After, slowest {Max(whileDown):F2} s");
checks.That("with the database down, check-ins get 503 with Retry-After", whileDown.Count > 0 && not503 == 0,
    $"{whileDown.Count} answered, {not503} otherwise");
checks.That($"with the database down, every answer comes within {options.FastFailWithin.TotalSeconds} s (no hangs)",
    whileDown.Count > 0 && whileDown.All(a => a.Took <= options.FastFailWithin), $"slowest {Max(whileDown):F2} s");
var afterStart = attempts.Where(a => a.SentAt >= pgRestartingAt).OrderBy(a => a.SentAt).ToList();
var firstOk = afterStart.FirstOrDefault(a => !Failed(a));
var recovered = firstOk is null ? (TimeSpan?)null : firstOk.SentAt + firstOk.Took - pgStartedAt;
var lastError = afterStart.Where(Failed).Select(a => a.SentAt + a.Took - pgStartedAt).DefaultIfEmpty(TimeSpan.Zero).Max();
Say($"database back (times from pg_ctl's confirmed start; negative: before it confirmed): first success {recovered?.TotalSeconds:F1} s, " +
    $"last error {lastError.TotalSeconds:F1} s");
checks.That($"check-ins succeed within {options.RecoverWithin.TotalSeconds} s of the database's return",
    recovered is { } r && r <= options.RecoverWithin, $"{recovered?.TotalSeconds:F1} s");

// The ledger: every acknowledged check-in readable, in its author's history, in every follower's home feed.
var verifier = new LedgerVerifier(client, tokens, following, acknowledged, Say);
await verifier.VerifyAsync(checks, loadEnded, options.ConvergeWithin, clock);

Say($"ledger: {acknowledged.Count} acknowledged, {verifier.Lost} lost, {verifier.Duplicated} duplicated");
Say($"chaos: {checks.Passed} checks passed, {checks.Failed} failed");
if (options.Report is { } path)
{
    await File.WriteAllTextAsync(path, report.ToString());
}
return checks.Failed == 0 ? 0 : 1;

static string Max(List<Attempt> list) =>
    (list.Count == 0 ? 0 : list.Max(a => a.Took.TotalSeconds)).ToString("F2", CultureInfo.InvariantCulture);
