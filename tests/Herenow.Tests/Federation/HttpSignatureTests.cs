using System.Security.Cryptography;
using System.Text;
using Herenow.Grains.Federation.Signatures;

namespace Herenow.Tests.Federation;

public sealed class HttpSignatureTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Uri Inbox = new("https://remote.example/users/bob/inbox");
    private static readonly byte[] Activity = Encoding.UTF8.GetBytes("""{"type":"Follow","actor":"https://here.example/users/alice"}""");

    private static HttpRequestMessage Signed(HttpMethod method, Uri url, byte[] body, SignatureScheme scheme, DateTimeOffset at, SigningKey? key = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
        }
        HttpSignatures.Sign(request, body, key ?? TestKeys.Alice, scheme, at);
        return request;
    }

    private static SignatureCheck.Candidate AssertCandidate(SignatureCheck check)
    {
        var candidate = Assert.IsType<SignatureCheck.Candidate>(check);
        Assert.Equal(TestKeys.KeyId, candidate.KeyId);
        return candidate;
    }

    [Theory]
    [InlineData(SignatureScheme.Rfc9421, "GET")]
    [InlineData(SignatureScheme.Rfc9421, "POST")]
    [InlineData(SignatureScheme.DraftCavage, "GET")]
    [InlineData(SignatureScheme.DraftCavage, "POST")]
    public void A_signed_request_verifies(SignatureScheme scheme, string method)
    {
        var body = method == "POST" ? Activity : [];
        using var request = Signed(new HttpMethod(method), new Uri("https://remote.example/users/bob/outbox?page=2"), body, scheme, Now);

        var candidate = AssertCandidate(SignatureVerifier.Inspect(Requests.Received(request, body), Now.AddMinutes(1)));

        Assert.Equal(scheme, candidate.Scheme);
        Assert.True(SignatureVerifier.Verify(candidate, TestKeys.AlicePublic));
        Assert.True(SignatureVerifier.Verify(candidate, TestKeys.AlicePublicPkcs1));
        Assert.False(SignatureVerifier.Verify(candidate, TestKeys.SomeoneElsePublic));
    }

    [Theory]
    [InlineData(SignatureScheme.Rfc9421)]
    [InlineData(SignatureScheme.DraftCavage)]
    public void A_pkcs1_private_key_signs_too(SignatureScheme scheme)
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, scheme, Now, TestKeys.AlicePkcs1);
        Assert.True(SignatureVerifier.Verify(AssertCandidate(SignatureVerifier.Inspect(Requests.Received(request, Activity), Now)), TestKeys.AlicePublic));
    }

    [Fact]
    public void The_headers_sent_are_the_ones_the_peers_expect()
    {
        using var cavage = Signed(HttpMethod.Post, Inbox, Activity, SignatureScheme.DraftCavage, Now);
        Assert.Equal("remote.example", cavage.Headers.Host);
        Assert.Equal("Sun, 01 Mar 2026 12:00:00 GMT", cavage.Headers.GetValues("Date").Single());
        Assert.StartsWith("SHA-256=", cavage.Headers.GetValues("Digest").Single(), StringComparison.Ordinal);
        Assert.Matches(
            "^keyId=\"https://here.example/users/alice#main-key\",algorithm=\"rsa-sha256\",headers=\"\\(request-target\\) host date digest\",signature=\"[A-Za-z0-9+/=]+\"$",
            cavage.Headers.GetValues("Signature").Single());

        using var rfc = Signed(HttpMethod.Post, Inbox, Activity, SignatureScheme.Rfc9421, Now);
        Assert.Equal(
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1772366400;keyid=\"https://here.example/users/alice#main-key\";alg=\"rsa-v1_5-sha256\"",
            rfc.Headers.GetValues("Signature-Input").Single());
        Assert.Matches("^sig1=:[A-Za-z0-9+/=]+:$", rfc.Headers.GetValues("Signature").Single());
        Assert.Equal("sha-256=:" + Convert.ToBase64String(SHA256.HashData(Activity)) + ":", rfc.Headers.GetValues("Content-Digest").Single());

        using var get = Signed(HttpMethod.Get, Inbox, [], SignatureScheme.Rfc9421, Now);
        Assert.Equal(
            "sig1=(\"@method\" \"@target-uri\");created=1772366400;keyid=\"https://here.example/users/alice#main-key\";alg=\"rsa-v1_5-sha256\"",
            get.Headers.GetValues("Signature-Input").Single());
        Assert.False(get.Headers.Contains("Content-Digest"));
    }

    [Theory]
    [InlineData(SignatureScheme.Rfc9421)]
    [InlineData(SignatureScheme.DraftCavage)]
    public void A_tampered_body_is_invalid(SignatureScheme scheme)
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, scheme, Now);
        var tampered = Encoding.UTF8.GetBytes("""{"type":"Delete","actor":"https://here.example/users/alice"}""");

        var check = Assert.IsType<SignatureCheck.Invalid>(SignatureVerifier.Inspect(Requests.Received(request, tampered), Now));
        Assert.Contains("igest", check.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SignatureScheme.Rfc9421)]
    [InlineData(SignatureScheme.DraftCavage)]
    public void A_request_replayed_elsewhere_does_not_verify(SignatureScheme scheme)
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, scheme, Now);
        var received = Requests.Received(request, Activity);

        var otherTarget = received with { TargetUri = new Uri("https://remote.example/users/carol/inbox") };
        Assert.False(SignatureVerifier.Verify(AssertCandidate(SignatureVerifier.Inspect(otherTarget, Now)), TestKeys.AlicePublic));

        var otherMethod = received with { Method = "PUT" };
        Assert.False(SignatureVerifier.Verify(AssertCandidate(SignatureVerifier.Inspect(otherMethod, Now)), TestKeys.AlicePublic));
    }

    [Fact]
    public void A_tampered_signed_header_does_not_verify()
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, SignatureScheme.DraftCavage, Now);
        var received = Requests.Received(request, Activity);
        var original = received.Header;
        var otherHost = received with { Header = name => name.Equals("host", StringComparison.OrdinalIgnoreCase) ? "evil.example" : original(name) };

        Assert.False(SignatureVerifier.Verify(AssertCandidate(SignatureVerifier.Inspect(otherHost, Now)), TestKeys.AlicePublic));
    }

    [Theory]
    [InlineData(SignatureScheme.Rfc9421)]
    [InlineData(SignatureScheme.DraftCavage)]
    public void A_signature_older_than_12_hours_is_invalid(SignatureScheme scheme)
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, scheme, Now.AddHours(-12).AddMinutes(-1));
        Assert.IsType<SignatureCheck.Invalid>(SignatureVerifier.Inspect(Requests.Received(request, Activity), Now));

        using var recent = Signed(HttpMethod.Post, Inbox, Activity, scheme, Now.AddHours(-11));
        AssertCandidate(SignatureVerifier.Inspect(Requests.Received(recent, Activity), Now));
    }

    [Fact]
    public void A_created_in_the_future_is_invalid()
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, SignatureScheme.Rfc9421, Now.AddMinutes(10));
        Assert.IsType<SignatureCheck.Invalid>(SignatureVerifier.Inspect(Requests.Received(request, Activity), Now));
    }

    [Theory]
    [InlineData(SignatureScheme.Rfc9421)]
    [InlineData(SignatureScheme.DraftCavage)]
    public void A_body_whose_digest_is_not_signed_is_invalid(SignatureScheme scheme)
    {
        // Signed as if there were no body: neither Digest nor Content-Digest is covered.
        using var request = Signed(HttpMethod.Post, Inbox, [], scheme, Now);
        Assert.IsType<SignatureCheck.Invalid>(SignatureVerifier.Inspect(Requests.Received(request, Activity), Now));
    }

    [Fact]
    public void A_request_without_signature_headers_is_unsigned()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Inbox);
        request.Headers.TryAddWithoutValidation("Date", Now.ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        Assert.IsType<SignatureCheck.Unsigned>(SignatureVerifier.Inspect(Requests.Received(request, Activity), Now));
    }

    [Theory]
    [InlineData("algorithm=\"hs2019\",", true)]
    [InlineData("", true)]
    [InlineData("algorithm=\"ed25519\",", false)]
    public void Cavage_algorithm_hs2019_or_absent_is_accepted(string algorithm, bool accepted)
    {
        using var request = Signed(HttpMethod.Post, Inbox, Activity, SignatureScheme.DraftCavage, Now);
        var signature = request.Headers.GetValues("Signature").Single().Replace("algorithm=\"rsa-sha256\",", algorithm, StringComparison.Ordinal);
        request.Headers.Remove("Signature");
        request.Headers.TryAddWithoutValidation("Signature", signature);

        var check = SignatureVerifier.Inspect(Requests.Received(request, Activity), Now);
        if (accepted)
        {
            Assert.True(SignatureVerifier.Verify(AssertCandidate(check), TestKeys.AlicePublic));
        }
        else
        {
            Assert.IsType<SignatureCheck.Invalid>(check);
        }
    }

    [Fact]
    public void Verify_is_false_on_a_malformed_key()
    {
        using var request = Signed(HttpMethod.Get, Inbox, [], SignatureScheme.Rfc9421, Now);
        var candidate = AssertCandidate(SignatureVerifier.Inspect(Requests.Received(request, ReadOnlyMemory<byte>.Empty), Now));
        Assert.False(SignatureVerifier.Verify(candidate, "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"));
        Assert.False(SignatureVerifier.Verify(candidate, ""));
        using var ec = ECDsa.Create();
        Assert.False(SignatureVerifier.Verify(candidate, ec.ExportSubjectPublicKeyInfoPem()));
    }
}
