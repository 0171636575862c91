using System.Collections;
using System.Diagnostics;
using System.Text.Json;

namespace Herenow.Tests.Support;

/// <summary>
/// Waits for what the service does after it answered (fan-out, background jobs, a cluster settling): polls a value
/// every <c>every</c> (50 ms unless told) for at most <c>within</c> (5 s unless told), checking once more after that
/// bound, and fails with what it waited for and the last value it saw. The one polling loop of the tests.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="observe"/> until <paramref name="until"/> holds for its value; returns that value.</summary>
    /// <param name="what">What is awaited, for the failure message ("bob's home feed holds the check-in").</param>
    /// <param name="context">More for the failure message, read only when it fails (a peer process's output).</param>
    /// <param name="show">What of the last value the failure message shows (its ids, say); all of it unless told.</param>
    /// <param name="cancel">A budget shared with the rest of the test: waiting ends (cancelled) when it does.</param>
    public static async Task<T> Value<T>(Func<Task<T>> observe, Func<T, bool> until, string what,
        TimeSpan? within = null, TimeSpan? every = null, Func<string>? context = null, Func<T, object?>? show = null,
        CancellationToken cancel = default)
    {
        var bound = within ?? DefaultWithin;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await observe();
            if (until(value))
            {
                return value;
            }
            if (watch.Elapsed >= bound)
            {
                Assert.Fail($"Not within {bound.TotalSeconds:0.#} s: {what}. Last observed: {Describe(show is null ? value : show(value))}"
                    + (context is null ? "" : "\n" + context()));
            }
            await Task.Delay(every ?? DefaultEvery, cancel);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    public static Task True(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? every = null,
        Func<string>? context = null, CancellationToken cancel = default) =>
        Value(condition, holds => holds, what, within, every, context, cancel: cancel);

    /// <summary>The same for a condition read without a call (in-memory state).</summary>
    public static Task True(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        Value(() => Task.FromResult(condition()), holds => holds, what, within, every);

    /// <summary>Polls <paramref name="observe"/> until it returns a value (not null); returns it.</summary>
    public static async Task<T> Found<T>(Func<Task<T?>> observe, string what, TimeSpan? within = null, TimeSpan? every = null,
        Func<string>? context = null) where T : struct =>
        (await Value(observe, found => found is not null, what, within, every, context))!.Value;

    /// <summary>
    /// Repeats <paramref name="call"/> while it throws an exception <paramref name="retryOn"/> accepts (calls routed by a
    /// cluster view that is being replaced), for at most <paramref name="within"/>; after that the exception is the failure.
    /// </summary>
    public static async Task<T> Succeeds<T>(Func<Task<T>> call, Func<Exception, bool> retryOn, TimeSpan within, TimeSpan? every = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (retryOn(e) && watch.Elapsed < within)
            {
                await Task.Delay(every ?? DefaultEvery);
            }
        }
    }

    /// <summary>A value for a failure message: JSON as JSON, lists as their items, anything else as its ToString.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        string text => text,
        JsonElement json => json.GetRawText(),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Describe)) + "]",
        _ => value.ToString() ?? "",
    };
}
