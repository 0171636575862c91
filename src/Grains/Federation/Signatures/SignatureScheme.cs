namespace Herenow.Grains.Federation.Signatures;

/// <summary>The HTTP signature standard a request is signed with.</summary>
public enum SignatureScheme
{
    /// <summary>RFC 9421 HTTP Message Signatures (Signature-Input + Signature, Content-Digest).</summary>
    Rfc9421 = 0,

    /// <summary>draft-cavage-http-signatures-12, what most of the fediverse still speaks (Signature, Digest).</summary>
    DraftCavage = 1,
}
