using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Herenow.Grains.Federation.Signatures;

namespace Herenow.Grains.Federation.Http;

/// <summary>
/// Signed calls to other servers, safe against a URL chosen by the network: only public addresses (checked after DNS
/// resolution, per connection, so rebinding to 127.0.0.1 is refused), https only, a bounded body, a bounded time, at
/// most <see cref="MaxRedirects"/> redirects each re-checked and re-signed.
/// </summary>
public sealed class FederationClient(HttpClient http, FederationHttpOptions options, TimeProvider clock)
{
    public const int MaxRedirects = 3;

    // Origins remembered for the double knock; past this the memory starts over (a cache, not a record).
    private const int MaxRememberedOrigins = 10_000;

    private readonly ConcurrentDictionary<string, SignatureScheme> schemes = new(StringComparer.Ordinal);

    /// <summary>
    /// Builds the handler to construct the HttpClient with: a ConnectCallback that resolves DNS itself and connects
    /// only to addresses <see cref="AddressPolicy"/> allows (unless AllowPrivateNetworks); no automatic redirects; no
    /// proxy (a proxy would connect on our behalf, past the check); no cookies; a connect timeout.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(FederationHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var allowPrivate = options.AllowPrivateNetworks;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
        };
    }

    /// <summary>
    /// Sends one signed request with the double knock: RFC 9421 first unless this origin is known to want
    /// draft-cavage; on a 401, once more at once with the other scheme; the scheme that was not refused is remembered
    /// per origin. <paramref name="body"/> is the exact bytes sent (none for GET and HEAD).
    /// Throws <see cref="RemoteRequestRefusedException"/> (address, scheme, size, redirects),
    /// <see cref="TimeoutException"/> past the Timeout, <see cref="HttpRequestException"/> on network failures.
    /// </summary>
    public async Task<RemoteResponse> SendAsync(
        HttpMethod method, Uri url, byte[]? body, string? contentType, string accept, SigningKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(key);
        if (body is not null && (method == HttpMethod.Get || method == HttpMethod.Head))
        {
            throw new ArgumentException($"{method} has no body.", nameof(body));
        }
        using var timeout = new CancellationTokenSource(options.Timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await FollowRedirectsAsync(method, url, body, contentType, accept, key, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {url} took longer than {options.Timeout}.");
        }
        catch (HttpRequestException error) when (error.InnerException is RemoteRequestRefusedException refused)
        {
            // Thrown from the ConnectCallback, wrapped by HttpClient: the caller wants to know it was refused.
            ExceptionDispatchInfo.Throw(refused);
            throw;
        }
    }

    /// <summary>The scheme this origin is known to accept (null: unknown). For tests and logs.</summary>
    public SignatureScheme? KnownScheme(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return schemes.TryGetValue(Origin(url), out var scheme) ? scheme : null;
    }

    private async Task<RemoteResponse> FollowRedirectsAsync(
        HttpMethod method, Uri url, byte[]? body, string? contentType, string accept, SigningKey key, CancellationToken cancellationToken)
    {
        for (var redirects = 0; ; redirects++)
        {
            CheckUrl(url);
            var attempt = await KnockAsync(method, url, body, contentType, accept, key, cancellationToken);
            if (attempt.Location is null)
            {
                return attempt.Response!;
            }
            if (redirects == MaxRedirects)
            {
                throw new RemoteRequestRefusedException($"More than {MaxRedirects} redirects from {url}.");
            }
            url = attempt.Location.IsAbsoluteUri ? attempt.Location : new Uri(url, attempt.Location);
            if (attempt.Status == HttpStatusCode.SeeOther && method != HttpMethod.Head)
            {
                (method, body, contentType) = (HttpMethod.Get, null, null);
            }
        }
    }

    /// <summary>One request, with the second knock if the first scheme is refused with a 401.</summary>
    private async Task<Attempt> KnockAsync(
        HttpMethod method, Uri url, byte[]? body, string? contentType, string accept, SigningKey key, CancellationToken cancellationToken)
    {
        var origin = Origin(url);
        var first = schemes.TryGetValue(origin, out var known) ? known : SignatureScheme.Rfc9421;
        var attempt = await SendSignedAsync(method, url, body, contentType, accept, key, first, readUnauthorizedBody: false, cancellationToken);
        if (attempt.Status != HttpStatusCode.Unauthorized)
        {
            Remember(origin, first);
            return attempt;
        }
        var second = first == SignatureScheme.Rfc9421 ? SignatureScheme.DraftCavage : SignatureScheme.Rfc9421;
        attempt = await SendSignedAsync(method, url, body, contentType, accept, key, second, readUnauthorizedBody: true, cancellationToken);
        if (attempt.Status != HttpStatusCode.Unauthorized)
        {
            Remember(origin, second);
        }
        return attempt;
    }

    private async Task<Attempt> SendSignedAsync(
        HttpMethod method, Uri url, byte[]? body, string? contentType, string accept, SigningKey key, SignatureScheme scheme,
        bool readUnauthorizedBody, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }
        HttpSignatures.Sign(request, body ?? [], key, scheme, clock.GetUtcNow());
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = response.StatusCode;
        if ((int)status is >= 300 and < 400 && status != HttpStatusCode.NotModified && response.Headers.Location is { } location)
        {
            return new Attempt(status, location, null);
        }
        if (status == HttpStatusCode.Unauthorized && !readUnauthorizedBody)
        {
            return new Attempt(status, null, null);
        }
        var content = await ReadBodyAsync(response, url, cancellationToken);
        return new Attempt(status, null, new RemoteResponse(status, content, response.Content.Headers.ContentType?.ToString(), RetryAfter(response)));
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        var limit = options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new RemoteRequestRefusedException($"The response from {url} is larger than {limit} bytes.");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            // Counted as read (after decompression), so neither a lying Content-Length nor a zip bomb gets past it.
            if (buffer.Length + read > limit)
            {
                throw new RemoteRequestRefusedException($"The response from {url} is larger than {limit} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > clock.GetUtcNow() ? date - clock.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    private void CheckUrl(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            throw new RemoteRequestRefusedException($"{url} is not an absolute URL.");
        }
        var allowed = url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && options.AllowPrivateNetworks);
        if (!allowed)
        {
            throw new RemoteRequestRefusedException($"{url.Scheme}:// URLs are not fetched ({url}).");
        }
        // An address literal is judged here already; names are judged after resolution, in the ConnectCallback.
        if (!options.AllowPrivateNetworks && IPAddress.TryParse(url.DnsSafeHost, out var literal) && !AddressPolicy.IsPublic(literal))
        {
            throw new RemoteRequestRefusedException($"{url.Host} is not a public address.");
        }
    }

    private void Remember(string origin, SignatureScheme scheme)
    {
        if (schemes.TryGetValue(origin, out var known) && known == scheme)
        {
            return;
        }
        if (schemes.Count >= MaxRememberedOrigins)
        {
            schemes.Clear();
        }
        schemes[origin] = scheme;
    }

    private static string Origin(Uri url) => $"{url.Scheme}://{url.IdnHost}:{url.Port}".ToLowerInvariant();

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken cancellationToken)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowPrivate ? addresses : Array.FindAll(addresses, AddressPolicy.IsPublic);
        if (allowed.Length == 0)
        {
            throw new RemoteRequestRefusedException(
                $"{endpoint.Host} resolves to no public address ({string.Join(", ", (IEnumerable<IPAddress>)addresses)}).");
        }
        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException error)
            {
                socket.Dispose();
                last = error;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        ExceptionDispatchInfo.Throw(last!);
        throw last!;
    }

    /// <summary>One exchange: a redirect (Location) or a final response.</summary>
    private sealed record Attempt(HttpStatusCode Status, Uri? Location, RemoteResponse? Response);
}
