namespace Herenow.Bench.Scenarios;

/// <summary>
/// One kind of request: how to build the n-th one, and which answer counts as a success (default: any 2xx).
/// Builders must be cheap and thread-safe: the fixed-rate runner calls them on its dispatch loop.
/// </summary>
public sealed record Scenario(string Name, Func<long, HttpRequestMessage> NewRequest, Func<HttpResponseMessage, bool>? Accept = null)
{
    public bool IsSuccess(HttpResponseMessage response) => Accept?.Invoke(response) ?? response.IsSuccessStatusCode;
}
