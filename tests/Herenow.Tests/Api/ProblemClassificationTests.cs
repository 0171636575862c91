using Herenow.Api.Problems;
using Herenow.Grains.Accounts;
using Herenow.Tests.Support;
using Npgsql;

namespace Herenow.Tests.Api;

/// <summary>
/// How exceptions become problem documents: an unreachable dependency is a 503 (retry), a value PostgreSQL refuses as
/// data (SQLSTATE class 22) is a 400 (retrying cannot help) — also when it was raised inside a grain on a silo.
/// </summary>
public sealed class ProblemClassificationTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Theory]
    [InlineData("22021", 400)] // character_not_in_repertoire: a NUL byte in text
    [InlineData("22003", 400)] // numeric_value_out_of_range
    [InlineData("22001", 400)] // string_data_right_truncation
    [InlineData("57P01", 503)] // admin_shutdown: the server is going away
    [InlineData("53300", 503)] // too_many_connections
    public void A_PostgreSQL_error_is_classified_by_its_SQLSTATE_class(string sqlState, int status)
    {
        var error = new PostgresException("refused", "ERROR", "ERROR", sqlState);
        Assert.Equal(status, ProblemExceptionHandler.Classify(error).Status);
        Assert.Equal(status, ProblemExceptionHandler.Classify(new InvalidOperationException("wrapped", error)).Status);
    }

    [Fact]
    public void A_timeout_is_unavailable_and_anything_else_is_an_internal_error()
    {
        Assert.Equal(503, ProblemExceptionHandler.Classify(new TimeoutException()).Status);
        Assert.Equal(500, ProblemExceptionHandler.Classify(new InvalidOperationException("bug")).Status);
    }

    [Fact]
    public async Task A_data_error_raised_inside_a_grain_reaches_the_API_still_classified_as_the_requests_fault()
    {
        await host.Http.SignUpAsync("pc_target");
        // A follower name with a NUL byte reaches the follows table's INSERT inside the followee's grain (the API's
        // validation never lets such a name this far; this goes around it on purpose).
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Cluster.Client.GetGrain<IUserGrain>("pc_target").AcceptFollower("bad\0name"));
        var (status, _, _) = ProblemExceptionHandler.Classify(error);
        Assert.True(status == 400, $"{error.GetType()}: {error.Message} was classified {status}");
    }

    [Fact]
    public async Task A_checkin_reaching_an_account_that_is_gone_is_410_not_500()
    {
        var place = new Herenow.Grains.Checkins.PlaceSnapshot("p", "Nowhere", 0, 0, null);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Cluster.Client.GetGrain<IUserGrain>("pc_never_registered")
            .PostCheckin(new Herenow.Grains.Checkins.NewCheckin(place, 0, 0, null, null, Herenow.Grains.Checkins.Visibility.Public, [])));
        Assert.IsType<AccountGoneException>(error);
        Assert.Equal(410, ProblemExceptionHandler.Classify(error).Status);
    }
}
