namespace Herenow.Api.Streaming;

/// <summary>Tuning for the Server-Sent Events endpoints (configuration section "Herenow:Streaming").</summary>
public sealed class StreamingOptions
{
    public const string Section = "Herenow:Streaming";

    /// <summary>Idle time after which a ": heartbeat" comment is sent, so proxies and clients see a live connection.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events buffered per connection before a client that does not keep up is disconnected.</summary>
    public int BufferCapacity { get; set; } = 256;

    /// <summary>At most this many check-ins are replayed after Last-Event-ID; further back, clients page the feed.</summary>
    public int MaxReplay { get; set; } = 200;
}
