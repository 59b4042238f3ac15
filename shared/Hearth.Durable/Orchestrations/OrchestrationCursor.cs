using Hearth.Durable.Jobs;

namespace Hearth.Durable.Orchestrations;

/// <summary>
/// The management listing's page cursor: the last instance's creation time and id, base64url.
/// </summary>
public static class OrchestrationCursor
{
    public static string Encode(DateTimeOffset createdAt, string instanceId) => PageCursor.Encode($"{createdAt.UtcTicks}|{instanceId}");

    /// <summary>The position after which the next page starts; null for the first page. Throws <see cref="InvalidCursorException"/>.</summary>
    public static (DateTimeOffset CreatedAt, string InstanceId)? Parse(string? cursor)
    {
        if (PageCursor.Decode(cursor) is not { } text) return null;
        try
        {
            var bar = text.IndexOf('|');
            return (new DateTimeOffset(long.Parse(text[..bar], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero), text[(bar + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidCursorException();
        }
    }
}
