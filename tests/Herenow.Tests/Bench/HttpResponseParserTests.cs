using System.Text;
using Herenow.Bench.Runner;

namespace Herenow.Tests.Bench;

/// <summary>The load client's response reader: every framing the API uses, however the bytes are split.</summary>
public sealed class HttpResponseParserTests
{
    private const string Fixed = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Type: text/plain\r\n\r\nHealthy";
    private const string Chunked = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3;ext=1\r\n1}\n\r\n0\r\n\r\n";
    private const string NoContent = "HTTP/1.1 204 No Content\r\nServer: Kestrel\r\n\r\n";

    [Theory]
    [InlineData(Fixed, 200)]
    [InlineData(Chunked, 201)]
    [InlineData(NoContent, 204)]
    public void Finds_the_status_and_the_end_of_a_response_split_anywhere(string response, int status)
    {
        // Three responses back to back on one keep-alive connection, fed in two pieces cut at every position.
        var bytes = Encoding.ASCII.GetBytes(response + response + response);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var parser = new HttpResponseParser();
            var completed = Feed(parser, bytes[..cut], out var leftover);
            completed += Feed(parser, [.. leftover, .. bytes[cut..]], out leftover);
            Assert.Equal(3, completed);
            Assert.Empty(leftover);
            Assert.Equal(status, parser.Status);
            Assert.False(parser.CloseAfter);
        }
    }

    [Fact]
    public void Connection_close_and_a_body_without_length_end_the_connection()
    {
        var parser = new HttpResponseParser();
        Feed(parser, Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), out _);
        Assert.Equal(503, parser.Status);
        Assert.True(parser.CloseAfter);

        var untilClose = new HttpResponseParser();
        Assert.Equal(0, Feed(untilClose, Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\n\r\nsome body"), out _));
        Assert.True(untilClose.EndOfStream());
        Assert.Equal(200, untilClose.Status);
    }

    [Fact]
    public void Garbage_is_an_error_not_a_response()
    {
        var parser = new HttpResponseParser();
        Assert.Throws<InvalidDataException>(() => parser.Consume("SSH-2.0-OpenSSH\r\n\r\n"u8, out _));
    }

    /// <summary>Feeds bytes as the connection does; returns how many responses completed and what was not yet used.</summary>
    private static int Feed(HttpResponseParser parser, byte[] data, out byte[] leftover)
    {
        var completed = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            var used = parser.Consume(data.AsSpan(offset), out var complete);
            offset += used;
            if (complete) completed++;
            else if (used == 0) break;
        }
        leftover = data[offset..];
        return completed;
    }
}
