namespace Herenow.Grains.Media;

/// <summary>
/// A check-in named media that do not exist, belong to someone else or are attached to another check-in. Nothing was
/// created. The message has one line per refused media id (the API shows them as a 422).
/// </summary>
[GenerateSerializer, Alias("herenow.media-not-attachable")]
public sealed class MediaNotAttachableException : Exception
{
    public MediaNotAttachableException()
    {
    }

    public MediaNotAttachableException(string message) : base(message)
    {
    }

    public MediaNotAttachableException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public IReadOnlyList<string> Problems => Message.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
