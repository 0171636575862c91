using System.Collections.Concurrent;
using System.Diagnostics;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Tests.Federation;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Observability;

/// <summary>
/// One trace follows a check-in: the HTTP request, the grain calls (Orleans activity propagation), the fan-out to the
/// federation outbox, and — later, from the queue row's stored traceparent — the delivery to a remote inbox, whose
/// request carries the same trace id on to the remote server.
/// </summary>
public sealed class CheckinTraceTests : IAsyncLifetime, IDisposable
{
    private static readonly ActivitySource TestSource = new("Herenow.Tests.Trace");
    private readonly ConcurrentQueue<Activity> stopped = new();
    private readonly FederatedApiHost host = new();
    private ActivityListener listener = null!;

    public async Task InitializeAsync()
    {
        // Listening is what makes every source (ASP.NET Core, Orleans, Herenow) create its spans.
        listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await host.InitializeAsync();
    }

    public Task DisposeAsync() => host.DisposeAsync();

    public void Dispose() => listener.Dispose();

    [Fact]
    public async Task One_trace_spans_the_request_the_grains_and_the_federation_delivery()
    {
        var traceparents = new ConcurrentQueue<string>();
        await using var inbox = await LoopbackServer.StartAsync(async (context, _) =>
        {
            traceparents.Enqueue(context.Request.Headers["traceparent"].ToString());
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await Task.CompletedTask;
        });
        var username = "tr_" + Guid.NewGuid().ToString("N")[..8];
        var token = await host.Http.SignUpAsync(username);
        var place = await host.Http.CreatePlaceAsync(token, "Trace place");
        // A remote follower whose inbox is the loopback server.
        var graph = host.Services.GetRequiredService<RemoteGraph>();
        var actor = inbox.Url("/users/remote").AbsoluteUri;
        await graph.SaveActorAsync(new RemoteActor(actor, "remote@127.0.0.1", inbox.Url("/inbox").AbsoluteUri, null, null, null, "Remote", null));
        await graph.AddFollowerAsync(username, actor, actor + "#follow-1");

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test: check in"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            await host.Http.CheckInAsync(token, place, "public", "traced");
        }

        await Eventually.True(() => stopped.Any(a => a.TraceId == traceId && a.OperationName == "federation.deliver"),
            "the delivery span ended", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        var trace = stopped.Where(a => a.TraceId == traceId).ToList();
        Assert.Contains(trace, a => a.Source.Name == "Microsoft.AspNetCore"); // the API's request span
        Assert.Contains(trace, a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && a.DisplayName.EndsWith("IUserGrain/Post", StringComparison.Ordinal));
        Assert.Contains(trace, a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && a.DisplayName.Contains("Relay", StringComparison.Ordinal));
        var delivery = Assert.Single(trace, a => a.OperationName == "federation.deliver");
        Assert.Equal("Delivered", delivery.GetTagItem("herenow.federation.result"));
        // The remote server was handed the same trace.
        Assert.Contains(traceparents, t => t.Contains(traceId.ToHexString(), StringComparison.Ordinal));
    }
}
