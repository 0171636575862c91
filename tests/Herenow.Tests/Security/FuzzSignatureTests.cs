using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsCheck;
using Herenow.Grains.Federation.Signatures;
using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Security;

/// <summary>One request's signature-related headers and body, as a fuzzer makes them.</summary>
public sealed record SignedSample(Dictionary<string, string> Headers, byte[] Body)
{
    public override string ToString() =>
        string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}")) + $"\n\n{Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(300, Body.Length)))}";
}

/// <summary>
/// Generators of signature headers: pure noise, and well-formed draft-cavage / RFC 9421 headers with their parts
/// mangled (wrong quoting, bad base64, stale or absurd dates, digests that do not match, parameters of the wrong type).
/// </summary>
public static class SignatureGens
{
    private static readonly string[] Names = ["signature", "signature-input", "digest", "content-digest", "date"];

    /// <summary>Printable ASCII: what can be sent as a header value over HTTP/1.1.</summary>
    public static readonly Gen<string> Ascii = Gen.Char[' ', '~'].Array[0, 120].Select(a => new string(a));

    private static readonly Gen<string> Base64 = Gen.OneOf(
        Gen.Byte.Array[0, 300].Select(Convert.ToBase64String), Ascii, Gen.Const("===="), Gen.Const("a"), Gen.Const(""));

    private static readonly Gen<string> Number = Gen.OneOf(
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const(DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("99999999999999999999999"), Gen.Const("-1"), Gen.Const("1.5"), Gen.Const("\"now\""), Gen.Const(""));

    private static readonly Gen<string> Quoted = Gen.OneOf(Ascii.Select(a => "\"" + a.Replace("\"", "", StringComparison.Ordinal) + "\""),
        Gen.Const("\"http://127.0.0.1:9/users/x#main-key\""), Gen.Const("\"\""), Gen.Const("\""), Ascii);

    private static readonly Gen<string> Covered = Gen.OneOf(
        Gen.Const("(request-target) host date digest"), Gen.Const("(request-target) host date"), Gen.Const("(request-target) host (created) digest"),
        Gen.Const(""), Gen.Const("host"), Ascii);

    public static readonly Gen<string> Cavage = Gen.Select(Quoted, Gen.OneOf(Gen.Const("rsa-sha256"), Gen.Const("hs2019"), Ascii), Covered,
            Base64, Number, Gen.Int[0, 7])
        .Select((keyId, algorithm, headers, signature, created, drop) =>
        {
            var parts = new List<string> { $"keyId={keyId}", $"algorithm=\"{algorithm}\"", $"headers=\"{headers}\"", $"signature=\"{signature}\"", $"created={created}" };
            if (drop < parts.Count) parts.RemoveAt(drop);
            return string.Join(",", parts);
        });

    private static readonly Gen<string> Components = Gen.OneOf(
        Gen.Const("(\"@method\" \"@target-uri\" \"content-digest\")"), Gen.Const("(\"@method\" \"@authority\" \"@path\")"),
        Gen.Const("()"), Gen.Const("(\"@query-param\";name=\"a\")"), Gen.Const("(\"date\";sf \"@request-target\")"), Gen.Const("("),
        Gen.Const("(\"content-digest\";bs;key=\"x\")"), Gen.Const("(\"@status\")"), Ascii);

    public static readonly Gen<(string Input, string Signature)> Rfc9421 = Gen.Select(
            Gen.OneOf(Gen.Const("sig1"), Gen.Const("a"), Gen.Const("1x"), Gen.Const("")), Components, Number, Number, Quoted,
            Gen.OneOf(Gen.Const("rsa-v1_5-sha256"), Gen.Const("ed25519"), Ascii), Base64, Gen.Int[0, 8])
        .Select((label, components, created, expires, keyId, alg, signature, variant) =>
        {
            var input = $"{label}={components};created={created};expires={expires};keyid={keyId};alg=\"{alg}\"";
            var sig = variant switch
            {
                0 => $"{label}=:{signature}:",
                1 => $"other=:{signature}:",
                2 => $"{label}={signature}",
                3 => $"{label}=:{signature}:, {label}=:{signature}:",
                4 => $"{label}=(1 2);x",
                _ => $"{label}=:{signature}:",
            };
            return (variant == 5 ? input + ", " + input : input, sig);
        });

    private static readonly Gen<byte[]> Body = Gen.Frequency(
        (4, FuzzGens.Value(3).Select(Encoding.UTF8.GetBytes)),
        (2, Gen.Const("{\"id\":\"https://example.invalid/a\",\"type\":\"Follow\",\"actor\":\"https://example.invalid/u\",\"object\":\"x\"}"u8.ToArray())),
        (1, Gen.Byte.Array[0, 500]),
        (1, Gen.Const(Array.Empty<byte>())));

    /// <summary>Digest headers for the body (right or wrong).</summary>
    private static Gen<string> Digest(byte[] body, bool rfc9421) => Gen.OneOf(
        Gen.Const(rfc9421 ? $"sha-256=:{Convert.ToBase64String(SHA256.HashData(body))}:" : $"SHA-256={Convert.ToBase64String(SHA256.HashData(body))}"),
        Gen.Const(rfc9421 ? "sha-512=:AAAA:" : "SHA-512=AAAA"), Gen.Const("sha-256=::"), Gen.Const("SHA-256="), Ascii);

    private static readonly Gen<string> Date = Gen.OneOf(
        Gen.Const(DateTimeOffset.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("Thu, 01 Jan 1970 00:00:00 GMT"), Gen.Const("Fri, 31 Dec 9999 23:59:59 GMT"), Gen.Const("yesterday"), Ascii);

    /// <summary>Random noise in random signature headers, with a random body.</summary>
    public static readonly Gen<SignedSample> Noise = Gen.Select(
            Gen.Select(Gen.OneOf(Names.Select(n => Gen.Const(n)).ToArray()), Ascii).Array[0, 5], Body)
        .Select((headers, body) => new SignedSample(headers.DistinctBy(h => h.Item1).ToDictionary(h => h.Item1, h => h.Item2), body));

    /// <summary>Nearly well-formed signed requests of either scheme.</summary>
    public static readonly Gen<SignedSample> Mangled = Body.SelectMany(body => Gen.Select(
            Gen.Bool, Cavage, Rfc9421, Digest(body, false), Digest(body, true), Date, Gen.Int[0, 31])
        .Select((rfc, cavage, rfc9421, digest, contentDigest, date, drop) =>
        {
            var headers = new Dictionary<string, string>();
            if (rfc)
            {
                headers["signature-input"] = rfc9421.Input;
                headers["signature"] = rfc9421.Signature;
            }
            else
            {
                headers["signature"] = cavage;
            }
            headers["digest"] = digest;
            headers["content-digest"] = contentDigest;
            headers["date"] = date;
            // Drop some of the digest and date headers (a bit mask over the three).
            foreach (var (name, i) in Names.Skip(2).Select((n, i) => (n, i)))
            {
                if ((drop & (1 << i)) != 0 && drop > 15) headers.Remove(name);
            }
            return new SignedSample(headers, body);
        }));

    public static readonly Gen<SignedSample> Any = Gen.Frequency((1, Noise), (3, Mangled));
}

/// <summary>The signature parser (no I/O): it never throws, and noise is never a candidate for verification.</summary>
public sealed class FuzzSignatureTests(ITestOutputHelper output)
{
    private static readonly Uri Target = new("https://herenow.example/inbox");

    private static SignatureCheck Inspect(SignedSample sample) =>
        SignatureVerifier.Inspect(new SignedRequest("POST", Target,
            name => sample.Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null, sample.Body), DateTimeOffset.UtcNow);

    [Fact]
    public void Noise_is_unsigned_or_invalid()
    {
        SignatureGens.Noise.Sample(sample =>
        {
            var check = Inspect(sample);
            var signed = sample.Headers.ContainsKey("signature") || sample.Headers.ContainsKey("signature-input");
            Assert.True(signed ? check is SignatureCheck.Invalid : check is SignatureCheck.Unsigned, $"{check}");
        }, iter: 3000, writeLine: output.WriteLine, print: s => s.ToString());
    }

    [Fact]
    public void Arbitrary_unicode_headers_never_throw()
    {
        Gen.Select(Gen.String[0, 200], Gen.String[0, 200], Gen.String[0, 60], Gen.Bool).Sample((signature, input, digest, rfc) =>
        {
            var headers = new Dictionary<string, string> { ["signature"] = signature, ["digest"] = digest, ["content-digest"] = digest, ["date"] = digest };
            if (rfc) headers["signature-input"] = input;
            Assert.IsType<SignatureCheck.Invalid>(Inspect(new SignedSample(headers, "{}"u8.ToArray())));
        }, iter: 3000, writeLine: output.WriteLine);
    }

    [Fact]
    public void Mangled_signatures_never_throw_and_candidates_are_whole()
    {
        SignatureGens.Mangled.Sample(sample =>
        {
            switch (Inspect(sample))
            {
                case SignatureCheck.Candidate candidate:
                    Assert.False(string.IsNullOrEmpty(candidate.KeyId));
                    Assert.NotEmpty(candidate.SignatureBase);
                    break;
                case SignatureCheck.Invalid invalid:
                    Assert.False(string.IsNullOrEmpty(invalid.Reason));
                    break;
                case var other:
                    Assert.Fail($"{other} for a signed request");
                    break;
            }
        }, iter: 5000, writeLine: output.WriteLine, print: s => s.ToString());
    }
}

/// <summary>
/// POST /inbox through a real port with federation on: random and garbled bodies and signature headers are 400, 401
/// or 413 (a problem document), never a 5xx and never accepted.
/// </summary>
public sealed class FuzzInboxTests(FederatedApiHost api, ITestOutputHelper output) : IClassFixture<FederatedApiHost>
{
    [Fact]
    public async Task Garbled_inbox_posts_are_refused_cleanly()
    {
        await SignatureGens.Any.SampleAsync(async sample => await PostAsync("/inbox", sample),
            iter: 150, threads: 1, writeLine: output.WriteLine, print: s => s.ToString());
    }

    [Fact]
    public async Task Garbled_posts_to_a_personal_inbox_are_refused_cleanly()
    {
        await api.Http.SignUpAsync("fzinbox");
        await SignatureGens.Any.SampleAsync(async sample => await PostAsync("/users/fzinbox/inbox", sample),
            iter: 60, threads: 1, writeLine: output.WriteLine, print: s => s.ToString());
    }

    [Fact]
    public async Task An_oversized_or_deeply_nested_activity_is_refused()
    {
        // Sent with "Expect: 100-continue", as large uploads should be: the server refuses on the Content-Length alone,
        // before any of the body is sent, so the client reads the 413 document instead of a connection the server
        // closed under a body it will not read.
        await PostAsync("/inbox", new SignedSample([], new byte[2 * 1024 * 1024]), HttpStatusCode.RequestEntityTooLarge, expectContinue: true);
        var deep = Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000));
        await PostAsync("/inbox", new SignedSample(new Dictionary<string, string> { ["signature"] = "keyId=\"x\"" }, deep), HttpStatusCode.Unauthorized);
    }

    private async Task PostAsync(string path, SignedSample sample, HttpStatusCode? expected = null, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(sample.Body) };
        request.Headers.ExpectContinue = expectContinue;
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
        foreach (var (name, value) in sample.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await api.Http.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status is 400 or 401 or 413, $"{status}: {text}");
        if (expected is { } e) Assert.Equal(e, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32());
    }
}
