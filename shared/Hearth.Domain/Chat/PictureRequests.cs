using System.Text.RegularExpressions;

namespace Hearth.Chat;

/// <summary>Recognises a user asking the agent for a picture of itself ("send me a selfie", "can I see a pic of you?").</summary>
public static partial class PictureRequests
{
    [GeneratedRegex(@"\b(?:selfies?|photos?|pics?|pix|pictures?|snapshots?|photographs?|portraits?|snaps?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PictureWord();

    [GeneratedRegex(@"\b(?:send|show|share|take|snap|see|get|give|post|drop|want|wanna|could|can|would|will|may|let)\b|\?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RequestWord();

    /// <summary>Pictures that are the user's or someone else's, not the agent's ("I took a photo of my cat").</summary>
    [GeneratedRegex(@"\b(?:my|our|his|her|their|this|that|the)\s+(?:\w+\s+)?(?:selfies?|photos?|pics?|pictures?|snapshots?)\b|\bi\s+(?:took|take|have|had|got|sent|posted|shared|made|saw)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SomeoneElses();

    [GeneratedRegex(@"\b(?:yours|of you|of yourself|of u|your face|your (?:selfie|photo|pic|picture)s?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OfTheAgent();

    /// <summary>True when the text asks the agent for a picture.</summary>
    public static bool IsPictureRequest(string text)
    {
        if (!PictureWord().IsMatch(text) || !RequestWord().IsMatch(text)) return false;
        // "I took a photo of my cat" is news, not a request — unless it also asks about the agent ("…send me yours?").
        return !SomeoneElses().IsMatch(text) || OfTheAgent().IsMatch(text);
    }
}
