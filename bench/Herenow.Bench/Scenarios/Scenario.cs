using System.Text;

namespace Herenow.Bench.Scenarios;

/// <summary>
/// One HTTP request as the load client sends it: method, path and query, an optional bearer token and an optional
/// JSON body. <see cref="Encode"/> renders the HTTP/1.1 bytes once; the runner sends them as they are.
/// </summary>
public sealed record BenchRequest(string Method, string PathAndQuery, string? Bearer = null, byte[]? JsonBody = null)
{
    public byte[] Encode(string host)
    {
        var head = new StringBuilder(256)
            .Append(Method).Append(' ').Append(PathAndQuery).Append(" HTTP/1.1\r\nHost: ").Append(host).Append("\r\n");
        if (Bearer is not null) head.Append("Authorization: Bearer ").Append(Bearer).Append("\r\n");
        if (JsonBody is not null)
        {
            head.Append("Content-Type: application/json\r\nContent-Length: ")
                .Append(JsonBody.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        }
        else if (Method is "POST" or "PUT" or "PATCH")
        {
            head.Append("Content-Length: 0\r\n");
        }
        head.Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        if (JsonBody is null) return headBytes;
        var all = new byte[headBytes.Length + JsonBody.Length];
        headBytes.CopyTo(all, 0);
        JsonBody.CopyTo(all, headBytes.Length);
        return all;
    }
}

/// <summary>
/// One kind of request: how to build the n-th one, and which status counts as a success (default: any 2xx).
/// Builders must be cheap and thread-safe: the runners call them from many connections at once. A scenario whose
/// requests are all the same (<see cref="Constant"/>) is encoded once per run.
/// </summary>
public sealed record Scenario(string Name, Func<long, BenchRequest> Build, Func<int, bool>? Accept = null)
{
    public bool IsConstant { get; init; }

    public static Scenario Constant(string name, BenchRequest request) => new(name, _ => request) { IsConstant = true };

    public bool IsSuccess(int status) => Accept?.Invoke(status) ?? status is >= 200 and < 300;
}
