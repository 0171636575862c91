using System.Diagnostics;

namespace Herenow.Grains.Observability;

/// <summary>W3C trace context for work that is stored and picked up later (the delivery queue).</summary>
public static class TraceParent
{
    /// <summary>The current activity's traceparent, or null when nothing is being traced.</summary>
    public static string? Current() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } a ? a.Id : null;

    /// <summary>
    /// Starts <paramref name="name"/> as a child of the stored <paramref name="traceParent"/> (same trace id), or as a
    /// root when there is none or it does not parse. Null when nobody listens to Herenow's source.
    /// </summary>
    public static Activity? StartChild(string name, ActivityKind kind, string? traceParent)
    {
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
        // Explicit parent: a grain timer's ambient Activity.Current (if any) belongs to nothing we want to join.
        return HerenowTelemetry.Source.StartActivity(name, kind, parent);
    }
}
