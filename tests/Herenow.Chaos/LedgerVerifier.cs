using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Herenow.Chaos;

/// <summary>
/// Checks the ledger against what the API serves: each acknowledged check-in by id, in its author's history, and in
/// the home feed of its author and of every follower (polled until all arrive or the stated bound passes); no feed
/// or history holds one twice, and no retry created a second check-in.
/// </summary>
public sealed class LedgerVerifier(
    ChaosClient client,
    Dictionary<string, string> tokens,
    Dictionary<string, HashSet<string>> following,
    List<LoggedCheckin> acknowledged,
    Action<string> say)
{
    public int Lost { get; private set; }
    public int Duplicated { get; private set; }

    public async Task VerifyAsync(Checks checks, TimeSpan loadEnded, TimeSpan convergeWithin, Stopwatch clock)
    {
        var unreadable = 0;
        foreach (var checkin in acknowledged)
        {
            try
            {
                await client.SendAsync(HttpMethod.Get, $"/api/v1/checkins/{checkin.Id}", tokens[checkin.Author], null, HttpStatusCode.OK);
            }
            catch (InvalidOperationException e)
            {
                unreadable++;
                say($"  unreadable {checkin.Id}: {e.Message}");
            }
        }
        checks.That("every acknowledged check-in is readable by id", unreadable == 0, $"{unreadable} of {acknowledged.Count} not");

        var byAuthor = acknowledged.ToLookup(c => c.Author);
        var missingFromHistories = 0;
        var doubleCreated = 0;
        foreach (var (user, token) in tokens)
        {
            var history = await client.AllPagesAsync($"/api/v1/accounts/{user}/checkins", token);
            var ids = history.Select(c => c.GetProperty("id").GetString()!).ToHashSet();
            missingFromHistories += byAuthor[user].Count(c => !ids.Contains(c.Id!));
            // Each logical check-in has its own shout; two with one shout would be a retry that created twice.
            doubleCreated += history.GroupBy(c => c.GetProperty("shout").GetString()).Count(g => g.Count() > 1);
        }
        checks.That("every acknowledged check-in is in its author's history", missingFromHistories == 0, $"{missingFromHistories} missing");
        checks.That("no retry created a second check-in (Idempotency-Key)", doubleCreated == 0, $"{doubleCreated} shouts twice");

        // Home feeds converge: the author's own and every follower's.
        var expected = tokens.Keys.ToDictionary(u => u, u => acknowledged
            .Where(c => c.Author == u || following[u].Contains(c.Author)).Select(c => c.Id!).ToHashSet());
        var deadline = loadEnded + convergeWithin;
        var missing = int.MaxValue;
        var duplicates = 0;
        var passes = 0;
        while (true)
        {
            passes++;
            missing = 0;
            foreach (var (user, token) in tokens)
            {
                var feed = (await client.AllPagesAsync("/api/v1/feeds/home", token)).Select(c => c.GetProperty("id").GetString()!).ToList();
                duplicates = Math.Max(duplicates, feed.Count - feed.Distinct().Count());
                missing += expected[user].Count(id => !feed.Contains(id));
            }
            if (missing == 0 || clock.Elapsed > deadline) break;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        var converged = clock.Elapsed - loadEnded;
        var deliveries = expected.Values.Sum(e => e.Count);
        say($"feeds: {deliveries} expected deliveries, {missing} missing after {converged.TotalSeconds:F1} s past the load ({passes} passes)");
        checks.That($"every acknowledged check-in reaches every follower's home feed within {convergeWithin.TotalSeconds} s of the load",
            missing == 0, $"{missing} of {deliveries} missing; converged {converged.TotalSeconds:F1} s after the load");
        checks.That("no home feed holds a check-in twice", duplicates == 0, $"{duplicates} duplicates");
        Lost = unreadable + missingFromHistories;
        Duplicated = doubleCreated + duplicates;
    }
}
