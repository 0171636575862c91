using System.Diagnostics.CodeAnalysis;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>What <see cref="SignatureVerifier.Inspect"/> found on a request, before any key is fetched.</summary>
[SuppressMessage("Design", "CA1034:Nested types should not be visible", Justification = "A closed set of outcomes, matched with switch.")]
public abstract record SignatureCheck
{
    private SignatureCheck()
    {
    }

    /// <summary>No Signature / Signature-Input header at all.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The protocol's word for it.")]
    public sealed record Unsigned : SignatureCheck;

    /// <summary>Malformed, stale, digest mismatch, or missing required components.</summary>
    public sealed record Invalid(string Reason) : SignatureCheck;

    /// <summary>Parsed and structurally valid; the cryptographic check needs the key named by <paramref name="KeyId"/>.</summary>
    [SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "Raw crypto inputs.")]
    public sealed record Candidate(string KeyId, SignatureScheme Scheme, byte[] SignatureBase, byte[] Signature) : SignatureCheck
    {
        /// <summary>
        /// A second base to try when the first does not verify: for draft-cavage requests with a query string, the
        /// (request-target) without the query, which Mastodon (before 4.3) and Fedify sign. Null when there is none.
        /// </summary>
        public byte[]? AlternateSignatureBase { get; init; }
    }
}
