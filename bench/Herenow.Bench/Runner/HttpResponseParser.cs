using System.Buffers.Text;
using System.Text;

namespace Herenow.Bench.Runner;

/// <summary>
/// An incremental HTTP/1.1 response reader for the load client: it finds the status code and the end of each
/// response (Content-Length, chunked transfer coding, or a body without either that ends at close) without keeping
/// the body. Feed it bytes as they arrive; <see cref="Consume"/> says how many bytes it used and whether a response
/// ended. Headers must fit into one buffer (the client's is 64 KB); bodies are skipped however long they are.
/// </summary>
public sealed class HttpResponseParser
{
    private enum State { Headers, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose }

    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private State state = State.Headers;
    private long remaining;

    /// <summary>The last response's status code (valid once its headers are parsed).</summary>
    public int Status { get; private set; }

    /// <summary>True when the last response asked to close the connection (or has no length: ends at close).</summary>
    public bool CloseAfter { get; private set; }

    /// <summary>
    /// Consumes from <paramref name="data"/> and returns how many bytes were used. <paramref name="complete"/> is true
    /// when one whole response has been read; the parser is then ready for the next one (call again with the rest).
    /// Returns 0 with complete false when more bytes are needed to make progress.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not an HTTP/1.1 response this parser understands.</exception>
    public int Consume(ReadOnlySpan<byte> data, out bool complete)
    {
        var used = 0;
        complete = false;
        while (true)
        {
            var rest = data[used..];
            switch (state)
            {
                case State.Headers:
                {
                    var end = rest.IndexOf(HeaderEnd);
                    if (end < 0) return used;
                    ParseHeaders(rest[..(end + 2)]);
                    used += end + 4;
                    if (state is State.Body && remaining == 0) return Done(out complete, used);
                    break;
                }
                case State.Body:
                {
                    var take = (int)Math.Min(remaining, rest.Length);
                    used += take;
                    remaining -= take;
                    if (remaining == 0) return Done(out complete, used);
                    return used;
                }
                case State.ChunkSize:
                {
                    var end = rest.IndexOf(Crlf);
                    if (end < 0) return used;
                    var line = rest[..end];
                    var semicolon = line.IndexOf((byte)';');
                    if (semicolon >= 0) line = line[..semicolon];
                    if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long size, out var consumed, 'X') || consumed != line.Trim((byte)' ').Length)
                    {
                        throw new InvalidDataException("bad chunk size line");
                    }
                    used += end + 2;
                    remaining = size;
                    state = size == 0 ? State.Trailers : State.ChunkData;
                    break;
                }
                case State.ChunkData:
                {
                    var take = (int)Math.Min(remaining, rest.Length);
                    used += take;
                    remaining -= take;
                    if (remaining > 0) return used;
                    state = State.ChunkDataEnd;
                    break;
                }
                case State.ChunkDataEnd:
                    if (rest.Length < 2) return used;
                    if (!rest[..2].SequenceEqual(Crlf)) throw new InvalidDataException("chunk not followed by CRLF");
                    used += 2;
                    state = State.ChunkSize;
                    break;
                case State.Trailers:
                {
                    // Trailer fields (usually none) up to an empty line.
                    var end = rest.IndexOf(Crlf);
                    if (end < 0) return used;
                    used += end + 2;
                    if (end == 0) return Done(out complete, used);
                    break;
                }
                case State.UntilClose:
                    return data.Length;
            }
        }
    }

    /// <summary>The connection closed: true when that legitimately ends a response whose body runs until close.</summary>
    public bool EndOfStream()
    {
        var ended = state == State.UntilClose;
        state = State.Headers;
        return ended;
    }

    private int Done(out bool complete, int used)
    {
        complete = true;
        state = State.Headers;
        return used;
    }

    private void ParseHeaders(ReadOnlySpan<byte> head)
    {
        // Status line: HTTP/1.1 200 OK
        var lineEnd = head.IndexOf(Crlf);
        var statusLine = head[..lineEnd];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out _))
        {
            throw new InvalidDataException("not an HTTP/1.x status line: " + Encoding.ASCII.GetString(statusLine[..Math.Min(40, statusLine.Length)]));
        }
        Status = status;
        CloseAfter = statusLine[7] == (byte)'0';
        long? length = null;
        var chunked = false;
        var rest = head[(lineEnd + 2)..];
        while (rest.Length > 0)
        {
            var end = rest.IndexOf(Crlf);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long n, out _)) throw new InvalidDataException("bad Content-Length");
                length = n;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                chunked = value.IndexOf("chunked"u8) >= 0;
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "close"u8)) CloseAfter = true;
                else if (Ascii.EqualsIgnoreCase(value, "keep-alive"u8)) CloseAfter = false;
            }
        }
        if (status is 204 or 304 || status < 200)
        {
            (state, remaining) = (State.Body, 0);
        }
        else if (chunked)
        {
            state = State.ChunkSize;
        }
        else if (length is { } n)
        {
            (state, remaining) = (State.Body, n);
        }
        else
        {
            state = State.UntilClose;
            CloseAfter = true;
        }
    }
}
