using System.Security.Cryptography;
using Herenow.Grains.Federation.Signatures;

namespace Herenow.Tests.Federation;

/// <summary>Real RSA keys for the signature tests, made once per run (2048-bit generation is not free).</summary>
internal static class TestKeys
{
    public const string KeyId = "https://here.example/users/alice#main-key";

    private static readonly Lazy<(string Pkcs8, string Pkcs1, string Spki, string Pkcs1Public)> Pair = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportRSAPrivateKeyPem(), rsa.ExportSubjectPublicKeyInfoPem(), rsa.ExportRSAPublicKeyPem());
    });

    private static readonly Lazy<string> OtherSpki = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportSubjectPublicKeyInfoPem();
    });

    public static SigningKey Alice => new(KeyId, Pair.Value.Pkcs8);

    public static SigningKey AlicePkcs1 => new(KeyId, Pair.Value.Pkcs1);

    public static string AlicePublic => Pair.Value.Spki;

    public static string AlicePublicPkcs1 => Pair.Value.Pkcs1Public;

    public static string SomeoneElsePublic => OtherSpki.Value;

    /// <summary>The "Test" key of draft-cavage-http-signatures-12 Appendix C (1024-bit, for the test vectors only).</summary>
    public const string CavagePublic = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
        6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
        Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
        oYi+1hqp1fIekaxsyQIDAQAB
        -----END PUBLIC KEY-----
        """;

    public const string CavagePrivate = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
        NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
        UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
        AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
        QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
        kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
        f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
        412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
        mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
        kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
        gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
        G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
        7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
        -----END RSA PRIVATE KEY-----
        """;
}
