using System.Collections;

namespace Herenow.Grains.Observability;

/// <summary>
/// A logging scope that adds <c>CheckinId</c> to every line written inside it (the JSON console prints it under
/// "Scopes"). A list of pairs, not a message template, so formatters read it as a structured property.
/// </summary>
public sealed class CheckinScope(string checkinId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string Key = "CheckinId";

    public string CheckinId { get; } = checkinId;

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new(Key, CheckinId) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"CheckinId:{CheckinId}";
}
