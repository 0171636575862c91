using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Runner;

/// <summary>Sends one request, reads the whole body (part of the latency), and records the outcome.</summary>
internal static class RequestSender
{
    /// <param name="since">The timestamp latency is counted from: the intended send time (open loop) or the actual one (closed loop).</param>
    public static async Task SendAsync(HttpMessageInvoker client, Scenario scenario, long sequence, long since,
        RunnerOptions options, LatencyRecorder recorder)
    {
        var ok = false;
        string status;
        try
        {
            using var timeout = new CancellationTokenSource(options.RequestTimeout);
            using var request = scenario.NewRequest(sequence);
            using var response = await client.SendAsync(request, timeout.Token);
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            ok = scenario.IsSuccess(response);
            status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OperationCanceledException)
        {
            status = "timeout";
        }
        catch (HttpRequestException)
        {
            status = "transport";
        }
        recorder.Record(since, BenchClock.Now, ok, status);
    }
}
