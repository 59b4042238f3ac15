namespace Hearth.Chat.Lore;

/// <summary>An entry chosen for a prompt, with the book it came from.</summary>
public sealed record ActivatedLore(string BookId, bool UserBook, LoreEntry Entry);

/// <summary>
/// Chooses the world info for one reply, the way SillyTavern's world info does in its simplest form: an enabled entry
/// is activated when one of its keys appears, as a whole word (or, with <see cref="LoreEntry.UseRegex"/>, as a match of the
/// pattern), in the book's scan window (its latest
/// <see cref="Lorebook.ScanDepth"/> messages, the user's new one included); a selective entry needs one of its secondary
/// keys as well; a constant entry is always activated. With recursive scanning an activated entry's content is scanned
/// too. Each book then keeps what fits its token budget — higher priority first, then higher insertion order — and the
/// kept entries go into the prompt in insertion order (lower first).
/// </summary>
public static class LoreScanner
{
    private const int MaxRecursion = 3;

    /// <summary>Tokens of a text, estimated at four characters a token (no tokenizer of the configured model is at hand).</summary>
    public static int EstimateTokens(string text) => (text.Length + 3) / 4;

    /// <param name="books">The agent's book and the user's book (either may be missing).</param>
    /// <param name="recentTexts">The conversation's latest messages, oldest first, ending with the user's new message.</param>
    public static IReadOnlyList<ActivatedLore> Select(IEnumerable<Lorebook> books, IReadOnlyList<string> recentTexts)
    {
        var chosen = new List<ActivatedLore>();
        foreach (var book in books)
        {
            var window = recentTexts.Skip(Math.Max(0, recentTexts.Count - book.ScanDepth)).ToList();
            var enabled = book.Entries.Where(e => e.Enabled).ToList();
            var active = new List<LoreEntry>();
            var scanned = window;
            for (var round = 0; round <= MaxRecursion; round++)
            {
                var found = enabled.Where(e => !active.Contains(e) && Triggers(e, scanned, round == 0)).ToList();
                if (found.Count == 0) break;
                active.AddRange(found);
                if (!book.RecursiveScanning) break;
                scanned = found.Select(e => e.Content).ToList();
            }
            var used = 0;
            var kept = new List<LoreEntry>();
            foreach (var entry in active.OrderByDescending(e => e.Priority ?? 0).ThenByDescending(e => e.InsertionOrder))
            {
                var cost = EstimateTokens(entry.Content);
                if (used + cost > book.TokenBudget) continue;
                used += cost;
                kept.Add(entry);
            }
            chosen.AddRange(kept.OrderBy(e => e.InsertionOrder).Select(e => new ActivatedLore(book.Id, book.AgentId is null, e)));
        }
        return chosen;
    }

    private static bool Triggers(LoreEntry entry, IReadOnlyList<string> texts, bool firstRound)
    {
        if (entry.Constant) return firstRound;
        if (!entry.Keys.Any(k => texts.Any(t => Matches(entry, t, k)))) return false;
        return !entry.Selective || entry.SecondaryKeys.Any(k => texts.Any(t => Matches(entry, t, k)));
    }

    private static bool Matches(LoreEntry entry, string text, string key) =>
        entry.UseRegex ? LoreRegex.Matches(text, key, entry.CaseSensitive) : Contains(text, key, entry.CaseSensitive);

    /// <summary>Whether <paramref name="key"/> occurs in <paramref name="text"/> as a whole word or phrase ("cat" is not in "category").</summary>
    public static bool Contains(string text, string key, bool caseSensitive)
    {
        key = key.Trim();
        if (key.Length == 0) return false;
        var comparison = caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        for (var at = text.IndexOf(key, comparison); at >= 0; at = text.IndexOf(key, at + 1, comparison))
        {
            var startOk = at == 0 || !char.IsLetterOrDigit(key[0]) || !char.IsLetterOrDigit(text[at - 1]);
            var end = at + key.Length;
            var endOk = end == text.Length || !char.IsLetterOrDigit(key[^1]) || !char.IsLetterOrDigit(text[end]);
            if (startOk && endOk) return true;
        }
        return false;
    }
}
