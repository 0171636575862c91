using Herenow.Grains.Database;
using Npgsql;

namespace Herenow.Tests.Runtime;

public sealed class ConnectionTuningTests
{
    [Fact]
    public void Adds_auto_prepare_and_a_pool_bound_to_a_bare_string()
    {
        var tuned = new NpgsqlConnectionStringBuilder(DatabaseSettings.Tune("Host=db;Port=5432;Username=u;Password=p w;Database=herenow"));

        Assert.Equal(DatabaseSettings.MaxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.Equal(DatabaseSettings.AutoPrepareMinUsages, tuned.AutoPrepareMinUsages);
        Assert.Equal(DatabaseSettings.MaxPoolSize, tuned.MaxPoolSize);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(("db", 5432, "u", "p w", "herenow"), (tuned.Host, tuned.Port, tuned.Username, tuned.Password, tuned.Database));
    }

    [Theory]
    [InlineData("Maximum Pool Size=100")]
    [InlineData("MaxPoolSize=100")]
    [InlineData("maximum pool size=100")]
    public void Keeps_what_the_operator_set_even_when_it_is_npgsqls_default(string pool)
    {
        var tuned = new NpgsqlConnectionStringBuilder(DatabaseSettings.Tune(
            $"Host=db;Database=herenow;{pool};Max Auto Prepare=0;AutoPrepareMinUsages=5;No Reset On Close=false"));

        Assert.Equal(100, tuned.MaxPoolSize);
        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.Equal(5, tuned.AutoPrepareMinUsages);
    }

    [Fact]
    public void Is_idempotent_and_respects_a_larger_minimum_pool()
    {
        var once = DatabaseSettings.Tune("Host=db;Database=herenow;Minimum Pool Size=60");
        Assert.Equal(once, DatabaseSettings.Tune(once));
        Assert.Equal(60, new NpgsqlConnectionStringBuilder(once).MaxPoolSize);
    }
}
