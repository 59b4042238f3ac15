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

    /// <summary>The ask around a picture: request verbs, the picture word, "of you", politeness, address.</summary>
    [GeneratedRegex(@"^(?:(?:hey|hi|ok|okay|so|oh|omg|pls|please|babe|love|hun)\b[\s,!]*)+|\b(?:can|could|would|will)\s+(?:you|u|i)\s+(?:please\s+)?|\b(?:please|pls|plz|for me|real quick|right now|now)\b|\b(?:send|show|share|take|snap|get|give|post|drop)\s+(?:me|us)?\s*|\b(?:i\s+)?(?:want|wanna|would love|'d love|need)\s+(?:to\s+see\s+)?|\blet\s+me\s+see\b|\b(?:see|have)\b|\b(?:a|an|another|one more|some|quick|new|cute|little)\s+(?=(?:\w+\s+)?(?:selfies?|photos?|pics?|pix|pictures?|snapshots?|photographs?|portraits?|snaps?)\b)|\b(?:selfies?|photos?|pics?|pix|pictures?|snapshots?|photographs?|portraits?|snaps?)\b|\b(?:of\s+(?:you|u|yourself)|yours)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Ask();

    [GeneratedRegex(@"\b(?:your|ur)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Your();

    [GeneratedRegex(@"\b(?:you(?:'re| are)|u r)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex YouAre();

    [GeneratedRegex(@"\b(?:you|u)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex You();

    [GeneratedRegex(@"^(?:from|at)\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FromAt();

    /// <summary>Words a scene needs at least one of (a place, a time, a doing, a look); otherwise nothing was asked beyond the picture.</summary>
    [GeneratedRegex(@"\p{L}{3,}", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    private static readonly HashSet<string> Filler = new(StringComparer.OrdinalIgnoreCase)
    {
        "the", "and", "with", "what", "how", "today", "tonight", "now", "really", "just", "too", "also", "doing", "like", "look", "looking", "right",
    };

    /// <summary>
    /// The scene a picture request asks for, as an image prompt fragment ("Send me a selfie from the cafe!" → "at the
    /// cafe"; "pic of you cooking dinner?" → "cooking dinner"; "what are you wearing? send a pic" → "wearing today's
    /// outfit"); null when the request asks for a picture and nothing more. Never the request's words verbatim.
    /// </summary>
    public static string? Scene(string request)
    {
        var text = request.Replace('\u2019', '\'');
        if (Regex.IsMatch(text, @"\bwhat\s+(?:are\s+)?(?:you|u)\s+(?:are\s+)?wearing\b", RegexOptions.IgnoreCase)) return "showing today's outfit";
        if (Regex.IsMatch(text, @"\bwhat\s+(?:are\s+)?(?:you|u)\s+(?:are\s+)?(?:up to|doing)\b", RegexOptions.IgnoreCase)) return "in the middle of what they are doing right now";
        if (Regex.IsMatch(text, @"\bwhere\s+(?:are\s+)?(?:you|u)\b", RegexOptions.IgnoreCase)) return "showing where they are right now";
        var clauses = Regex.Split(text, @"(?<=[.!?])\s+|\n+").Where(IsPictureRequest).DefaultIfEmpty(text);
        var scene = string.Join(", ", clauses.Select(Strip).Where(c => c.Length > 0));
        scene = FromAt().Replace(scene, "at ");
        var words = Word().Matches(scene).Select(m => m.Value).Where(w => !Filler.Contains(w)).ToList();
        if (words.Count == 0) return null;
        return scene.Length <= 200 ? scene : scene[..200].TrimEnd();
    }

    private static string Strip(string clause)
    {
        var s = Ask().Replace(clause, " ");
        s = YouAre().Replace(s, "");
        s = Your().Replace(s, "their");
        s = You().Replace(s, "");
        s = Regex.Replace(s, @"[?!.:;""()*~]+|\p{So}|\p{Cs}", " ");
        s = Regex.Replace(s, @"\s+", " ").Trim(' ', ',', '-');
        s = Regex.Replace(s, @"^(?:and|or|but|me|to|of|with|in)\s+(?=(?:at|in|on|from|with|while|by|near|under|outside|inside|wearing|holding|doing)\b)", "", RegexOptions.IgnoreCase);
        return s.Trim();
    }
}
