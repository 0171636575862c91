using Microsoft.AspNetCore.Identity;

namespace Herenow.Api.Accounts;

/// <summary>
/// Slow, salted password hashes (ASP.NET Core Identity's PBKDF2 format, versioned so the scheme can be upgraded).
/// Hashing runs in the API, never in a grain: it costs tens of milliseconds and must not hold a grain's turn.
/// </summary>
public sealed class PasswordHashing
{
    private static readonly object Subject = new();
    private readonly PasswordHasher<object> hasher = new();

    public string Hash(string password) => hasher.HashPassword(Subject, password);

    public bool Verify(string hash, string password) =>
        hasher.VerifyHashedPassword(Subject, hash, password) != PasswordVerificationResult.Failed;
}
