using System.Text.RegularExpressions;

namespace Hearth.Companions;

/// <summary>Mood (-1 .. 1) and affinity (0 .. 100): their bounds, the per-turn limits, and the words for them.</summary>
public static class Feelings
{
    public const double MinMood = -1, MaxMood = 1;
    public const double MinAffinity = 0, MaxAffinity = 100;
    public const double DefaultAffinity = 10;
    public const double DefaultMoodBaseline = 0.2;

    /// <summary>One chat turn moves mood at most this much either way.</summary>
    public const double MaxMoodStep = 0.3;

    /// <summary>One chat turn raises affinity at most this much…</summary>
    public const double MaxAffinityGain = 3;

    /// <summary>…and lowers it at most this much (hurtful words cost more than kind ones earn).</summary>
    public const double MaxAffinityLoss = 5;

    /// <summary>Chat raises mood at most this much in any hour (kind words keep warming, but no one is elated after ten lines)…</summary>
    public const double MaxMoodGainPerHour = 0.3;

    /// <summary>…and affinity at most this much.</summary>
    public const double MaxAffinityGainPerHour = 10;

    public static double ClampMood(double value) => Math.Clamp(value, MinMood, MaxMood);

    public static double ClampAffinity(double value) => Math.Clamp(value, MinAffinity, MaxAffinity);

    public static double ClampMoodStep(double delta) => Math.Clamp(delta, -MaxMoodStep, MaxMoodStep);

    public static double ClampAffinityStep(double delta) => Math.Clamp(delta, -MaxAffinityLoss, MaxAffinityGain);

    public static string MoodLabel(double mood) => mood switch
    {
        <= -0.6 => "upset",
        <= -0.2 => "low",
        < 0.2 => "calm",
        < 0.6 => "cheerful",
        _ => "elated",
    };

    /// <summary>How close the agent feels: stranger (&lt; 20), acquaintance, friend, close friend, devoted (≥ 80).</summary>
    public static string AffinityBand(double affinity) => affinity switch
    {
        < 20 => "stranger",
        < 40 => "acquaintance",
        < 60 => "friend",
        < 80 => "close friend",
        _ => "devoted",
    };
}

/// <summary>A change of mood and affinity with its reasons (from rules or from the model's judgement, already clamped).</summary>
public sealed record FeelingChange(double MoodDelta, string MoodReason, double AffinityDelta, string AffinityReason);

/// <summary>
/// Offline judgement of a user's message: a small lexicon with negation ("not bad"), intensifiers and a few phrases,
/// turned into bounded mood and affinity steps. Deterministic.
/// </summary>
public static partial class Sentiment
{
    private static readonly Dictionary<string, double> Lexicon = new(StringComparer.Ordinal)
    {
        ["love"] = 3, ["adore"] = 3, ["amazing"] = 3, ["wonderful"] = 3, ["awesome"] = 2.5, ["fantastic"] = 3, ["beautiful"] = 2.5,
        ["great"] = 2, ["good"] = 1.5, ["nice"] = 1.5, ["happy"] = 2, ["glad"] = 1.5, ["thanks"] = 2, ["thank"] = 2, ["sweet"] = 2,
        ["cute"] = 2, ["kind"] = 1.5, ["fun"] = 1.5, ["funny"] = 1.5, ["miss"] = 1.5, ["excited"] = 2, ["proud"] = 2, ["lovely"] = 2.5,
        ["best"] = 2, ["cool"] = 1, ["hug"] = 2, ["hugs"] = 2, ["smile"] = 1.5, ["laugh"] = 1.5, ["enjoy"] = 1.5, ["enjoyed"] = 1.5,
        ["appreciate"] = 2, ["gorgeous"] = 2.5, ["brilliant"] = 2.5, ["care"] = 1.5, ["yay"] = 2, ["haha"] = 1, ["lol"] = 0.5,
        ["hate"] = -3, ["stupid"] = -3, ["idiot"] = -3.5, ["dumb"] = -2.5, ["ugly"] = -2.5, ["boring"] = -2, ["annoying"] = -2.5,
        ["shut"] = -1.5, ["worst"] = -3, ["awful"] = -2.5, ["terrible"] = -2.5, ["bad"] = -1.5, ["sad"] = -1.5, ["angry"] = -2,
        ["upset"] = -1.5, ["lonely"] = -1.5, ["tired"] = -0.5, ["sick"] = -1, ["hurt"] = -1.5, ["cry"] = -1.5, ["crying"] = -1.5,
        ["useless"] = -3, ["pathetic"] = -3, ["disgusting"] = -3, ["liar"] = -3, ["fake"] = -2, ["leave"] = -0.5, ["whatever"] = -1,
        ["sorry"] = -0.3, ["stressed"] = -1, ["anxious"] = -1, ["depressed"] = -2, ["bored"] = -1, ["meh"] = -0.5,
    };

    /// <summary>Words aimed at the agent that cost affinity even when the sentence is mild.</summary>
    private static readonly HashSet<string> Insults = new(StringComparer.Ordinal)
    {
        "stupid", "idiot", "dumb", "ugly", "useless", "pathetic", "disgusting", "liar", "hate", "annoying", "boring", "worst",
    };

    private static readonly HashSet<string> Negators = new(StringComparer.Ordinal) { "not", "no", "never", "don't", "dont", "isn't", "isnt", "wasn't", "aren't", "can't", "cannot", "without" };
    private static readonly HashSet<string> Intensifiers = new(StringComparer.Ordinal) { "so", "very", "really", "super", "extremely", "totally", "truly" };
    private static readonly HashSet<string> SecondPerson = new(StringComparer.Ordinal) { "you", "you're", "youre", "your", "u", "ur" };

    [GeneratedRegex(@"[\p{L}']+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    /// <summary>Sentiment of a text in [-1, 1], and whether it insults the listener.</summary>
    public static (double Score, bool Insult, IReadOnlyList<string> Cues) Analyse(string text)
    {
        var words = Words().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();
        double total = 0;
        var cues = new List<string>();
        var insult = false;
        var addressed = words.Any(SecondPerson.Contains);
        for (var i = 0; i < words.Count; i++)
        {
            if (!Lexicon.TryGetValue(words[i], out var value)) continue;
            var negated = false;
            var intensity = 1.0;
            for (var j = Math.Max(0, i - 3); j < i; j++)
            {
                if (Negators.Contains(words[j])) negated = !negated;
                if (Intensifiers.Contains(words[j])) intensity = 1.5;
            }
            var score = value * intensity * (negated ? -0.6 : 1);
            total += score;
            if (cues.Count < 4) cues.Add(negated ? $"not {words[i]}" : words[i]);
            if (!negated && addressed && Insults.Contains(words[i])) insult = true;
        }
        if (text.Contains('!') && total != 0) total *= 1.15;
        // Squash: a couple of strong words saturate, a long message does not add up forever.
        var normalised = Math.Tanh(total / 4);
        return (Math.Round(normalised, 3), insult, cues);
    }

    /// <summary>The rule-based change for a user's message: engagement warms a little, kindness more, insults cost.</summary>
    public static FeelingChange Judge(string text)
    {
        var (score, insult, cues) = Analyse(text);
        var cueText = cues.Count > 0 ? $" ({string.Join(", ", cues)})" : "";
        double affinity;
        string affinityReason;
        if (insult)
        {
            affinity = Feelings.ClampAffinityStep(-2.5 + 3 * Math.Min(0, score));
            affinityReason = $"lexicon: hurtful words{cueText}";
        }
        else if (score > 0.15)
        {
            affinity = Feelings.ClampAffinityStep(0.5 + 2.5 * score);
            affinityReason = $"lexicon: warm words{cueText}";
        }
        else if (score < -0.15)
        {
            // Sharing something sad is not hostile: a small gain for trust, not a loss.
            affinity = 0.3;
            affinityReason = $"lexicon: shared something hard{cueText}";
        }
        else
        {
            affinity = 0.5;
            affinityReason = "lexicon: a friendly exchange";
        }
        var mood = Feelings.ClampMoodStep(Math.Round(0.25 * score - (insult ? 0.1 : 0), 3));
        var moodReason = mood switch
        {
            > 0 => $"lexicon: the message was pleasant{cueText}",
            < 0 => $"lexicon: the message was upsetting{cueText}",
            _ => "lexicon: a neutral message",
        };
        return new FeelingChange(mood, moodReason, Math.Round(affinity, 3), affinityReason);
    }
}
