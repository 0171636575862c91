using System.Net;
using System.Net.Sockets;

namespace Herenow.Bench.Runner;

/// <summary>One keep-alive connection of the load client: sends one request's bytes, returns the answer's status.</summary>
public interface ILoadConnection : IDisposable
{
    /// <summary>Sends <paramref name="request"/> and reads the whole response; returns its HTTP status.</summary>
    /// <exception cref="OperationCanceledException">The timeout (or the run) cancelled it; the connection is then unusable.</exception>
    /// <exception cref="IOException">Transport failure; the connection is then unusable.</exception>
    ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken ct);
}

/// <summary>Where the load client connects. Tests substitute fakes to check the scheduling without a network.</summary>
public interface ILoadTarget
{
    /// <summary>The Host header value requests are built with.</summary>
    string Host { get; }

    ValueTask<ILoadConnection> ConnectAsync(CancellationToken ct);
}

/// <summary>
/// HTTP/1.1 over a plain TCP socket to a loopback address: pre-built request bytes out, a status and a skipped
/// body in, no per-request objects beyond the request bytes. One request at a time per connection (no pipelining),
/// keep-alive until the server closes or an error.
/// </summary>
public sealed class RawHttpTarget : ILoadTarget
{
    private readonly IPEndPoint endpoint;

    public RawHttpTarget(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsLoopback) throw new ArgumentException($"the load client only talks to loopback addresses, not {baseUrl}");
        if (baseUrl.Scheme != Uri.UriSchemeHttp) throw new ArgumentException("the load client speaks plain HTTP/1.1 only");
        var address = baseUrl.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(baseUrl.Host.Trim('[', ']'));
        endpoint = new IPEndPoint(address, baseUrl.Port);
        Host = baseUrl.Authority;
    }

    public string Host { get; }

    public async ValueTask<ILoadConnection> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, ct);
            return new RawHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class RawHttpConnection(Socket socket) : ILoadConnection
    {
        private readonly byte[] buffer = new byte[64 * 1024];
        private readonly HttpResponseParser parser = new();
        private int start;
        private int end;
        private bool broken;

        public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken ct)
        {
            if (broken) throw new IOException("connection closed");
            try
            {
                for (var sent = 0; sent < request.Length;)
                {
                    sent += await socket.SendAsync(request[sent..], SocketFlags.None, ct);
                }
                while (true)
                {
                    if (end > start)
                    {
                        start += parser.Consume(buffer.AsSpan(start, end - start), out var complete);
                        if (start == end) start = end = 0;
                        if (complete)
                        {
                            // Anything left over would be a response to a request we did not send.
                            if (parser.CloseAfter || end > start) broken = true;
                            return parser.Status;
                        }
                    }
                    if (start > 0)
                    {
                        // Move a partial header block to the front to make room.
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                    }
                    if (end == buffer.Length) throw new IOException("response headers larger than the buffer");
                    var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, ct);
                    if (read == 0)
                    {
                        broken = true;
                        if (parser.EndOfStream()) return parser.Status;
                        throw new IOException("connection closed by the server mid-response");
                    }
                    end += read;
                }
            }
            catch (SocketException e)
            {
                broken = true;
                throw new IOException(e.Message, e);
            }
            catch (InvalidDataException e)
            {
                broken = true;
                throw new IOException(e.Message, e);
            }
            catch
            {
                broken = true;
                throw;
            }
        }

        public void Dispose() => socket.Dispose();
    }
}
