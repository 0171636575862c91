namespace Herenow.Grains.Federation.Http;

/// <summary>A remote call this server will not make or finish: address not allowed, scheme not allowed, body too large, too many redirects.</summary>
public sealed class RemoteRequestRefusedException(string message) : Exception(message);
