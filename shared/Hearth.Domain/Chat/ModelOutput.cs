using System.Text.RegularExpressions;

namespace Hearth.Chat;

/// <summary>
/// The one gate every model text passes before a person or a stored record sees it. Control tags (<c>[[…]]</c>, complete
/// or cut off) go wherever they are. A companion's own words (chat replies, life events, first messages) then pass the
/// <see cref="SelfReferenceGuard"/> in character (see <see cref="CompanionWriter"/> for the retry and the fallback);
/// texts about someone (summaries, memory suggestions, persona drafts) lose every sentence that talks like a machine or
/// about instructions (<see cref="Narration"/>), since they are written in the third person and must stay so.
/// </summary>
public static partial class ModelOutput
{
    /// <summary>The guard every companion text is checked with (the rules it protects are the chat prompt's).</summary>
    public static SelfReferenceGuard Guard { get; } = new(ChatPrompt.Rules);

    [GeneratedRegex(@"\[\[[^\[\]]*\]\]", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"[ \t]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();

    [GeneratedRegex(@"(?<=[.!?…])\s+|\n+", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceBreaks();

    /// <summary>The text without any <c>[[…]]</c> tag; a tag that is cut off (a dangling <c>[[</c>) takes the rest of the text with it.</summary>
    public static string StripTags(string text)
    {
        var stripped = Tag().Replace(text, " ");
        var dangling = stripped.IndexOf(FeelingsTag.Start, StringComparison.Ordinal);
        if (dangling >= 0) stripped = stripped[..dangling];
        return Spaces().Replace(stripped.Replace("]]", " ", StringComparison.Ordinal), " ").Trim();
    }

    /// <summary>A companion's own words: tags removed, then the guard (machine talk dropped, third person turned into first).</summary>
    public static GuardVerdict InCharacter(string raw, string agentName) => Guard.Check(StripTags(raw), agentName);

    /// <summary>A text about someone (third person allowed): tags removed, machine or instruction talk dropped; null when nothing is left.</summary>
    public static string? Narration(string? raw)
    {
        if (raw is null) return null;
        var kept = SentenceBreaks().Split(StripTags(raw)).Select(s => s.Trim()).Where(s => s.Length > 0 && !Guard.BreaksCharacter(s));
        var text = string.Join(" ", kept).Trim();
        return text.Any(char.IsLetterOrDigit) ? text : null;
    }
}
