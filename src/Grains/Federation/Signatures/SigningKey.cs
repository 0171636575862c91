namespace Herenow.Grains.Federation.Signatures;

/// <summary>
/// A private key to sign with: the keyId URL (e.g. "https://host/users/alice#main-key") and the PKCS#8
/// ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY") PEM.
/// </summary>
public sealed record SigningKey(string KeyId, string PrivateKeyPem)
{
    // The PEM is a secret: keep it out of logs that print the record.
    public override string ToString() => $"SigningKey {{ KeyId = {KeyId} }}";
}
