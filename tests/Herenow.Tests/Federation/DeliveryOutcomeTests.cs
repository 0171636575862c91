using System.Net;
using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Tests.Federation;

/// <summary>How an inbox's status code is classified: delivered, retried later, or given up on.</summary>
public sealed class DeliveryOutcomeTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(202)]
    [InlineData(204)]
    public void Success_codes_are_delivered(int code)
    {
        var outcome = DeliveryOutcome.FromStatus((HttpStatusCode)code, null);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(405)]
    [InlineData(410)]
    [InlineData(413)]
    [InlineData(422)]
    [InlineData(501)]
    public void Answers_that_will_not_change_are_permanent(int code)
    {
        var outcome = DeliveryOutcome.FromStatus((HttpStatusCode)code, TimeSpan.FromSeconds(30));

        Assert.Equal(DeliveryResult.Permanent, outcome.Result);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), outcome.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Transient_answers_are_retried(int code)
    {
        var outcome = DeliveryOutcome.FromStatus((HttpStatusCode)code, null);

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal($"HTTP {code}", outcome.Detail);
        Assert.Null(outcome.RetryAfter);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public void Retry_after_is_carried_with_a_retry(int code)
    {
        var asked = TimeSpan.FromSeconds(120);

        var outcome = DeliveryOutcome.FromStatus((HttpStatusCode)code, asked);

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal(asked, outcome.RetryAfter);
    }
}
