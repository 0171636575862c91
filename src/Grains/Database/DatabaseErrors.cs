using Npgsql;

namespace Herenow.Grains.Database;

/// <summary>
/// A PostgreSQL error as it crosses a grain boundary. Npgsql's exceptions have no Orleans codec, so without this a
/// refused value inside a grain reached the caller as a CodecNotFoundException (a 500) and an outage lost what made it
/// one. This keeps what callers classify by: the SQLSTATE and whether Npgsql considers the error transient.
/// </summary>
[GenerateSerializer, Alias("herenow.database-error")]
public sealed class DatabaseErrorException : Exception
{
    public DatabaseErrorException(string message, string? sqlState, bool isTransient) : base(message)
    {
        SqlState = sqlState;
        IsTransient = isTransient;
    }

    [Id(0)] public string? SqlState { get; private set; }

    [Id(1)] public bool IsTransient { get; private set; }

    /// <summary>SQLSTATE class 22, "data exception": the value itself was refused (a NUL byte, out of range, too long).</summary>
    public bool IsDataError => SqlState is { } state && state.StartsWith("22", StringComparison.Ordinal);
}

/// <summary>Translates Npgsql exceptions leaving a grain into <see cref="DatabaseErrorException"/> (see there).</summary>
public sealed class DatabaseErrorFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (NpgsqlException e)
        {
            throw new DatabaseErrorException(e.Message, (e as PostgresException)?.SqlState, e.IsTransient);
        }
    }
}
