using System.Globalization;
using System.Text.RegularExpressions;
using Hearth.Companions;

namespace Hearth.Chat;

/// <summary>
/// The model's judgement of a message, as the last line of its reply: <c>[[feel mood=0.1 affinity=1 reason=kind words]]</c>.
/// Parsed, clamped to the per-turn limits, and removed from the text the user sees.
/// </summary>
public static partial class FeelingsTag
{
    /// <summary>Where a tag starts; a streamed reply stops showing text at this point.</summary>
    public const string Start = "[[";

    [GeneratedRegex(@"\[\[\s*feel\b(?<body>[^\]]*)\]\]?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"mood\s*[=:]\s*(?<v>[+-]?\d+(?:\.\d+)?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Mood();

    [GeneratedRegex(@"affinity\s*[=:]\s*(?<v>[+-]?\d+(?:\.\d+)?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Affinity();

    [GeneratedRegex(@"reason\s*[=:]\s*(?<v>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Reason();

    /// <summary>The text without any tag (or a dangling "[[…" at its end), and the judgement when one was given.</summary>
    public static (string Text, FeelingChange? Change) Extract(string reply)
    {
        FeelingChange? change = null;
        var match = Tag().Match(reply);
        if (match.Success)
        {
            var body = match.Groups["body"].Value;
            var mood = Mood().Match(body);
            var affinity = Affinity().Match(body);
            if (mood.Success || affinity.Success)
            {
                var reason = Reason().Match(body) is { Success: true } r ? r.Groups["v"].Value.Trim().Trim('"', '\'') : "";
                if (reason.Length > 200) reason = reason[..200];
                var why = reason.Length > 0 ? $"model: {reason}" : "model: its judgement";
                change = new FeelingChange(
                    mood.Success ? Feelings.ClampMoodStep(Parse(mood)) : 0, why,
                    affinity.Success ? Feelings.ClampAffinityStep(Parse(affinity)) : 0, why);
            }
        }
        var text = Tag().Replace(reply, "");
        var dangling = text.IndexOf(Start, StringComparison.Ordinal);
        if (dangling >= 0) text = text[..dangling];
        return (text.Trim(), change);
    }

    private static double Parse(Match match) =>
        double.TryParse(match.Groups["v"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : 0;
}
