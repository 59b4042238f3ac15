namespace Hearth.Chat.Lore;

/// <summary>
/// A lorebook (world info): entries injected into a companion's prompt when their keys come up in the recent turns.
/// A book belongs to one agent (<see cref="AgentId"/> set; an imported card's character book lands there) or to the user
/// (<see cref="AgentId"/> null: it applies to every one of their companions).
/// </summary>
/// <param name="ScanDepth">How many of the latest messages (the user's new one included) are searched for keys.</param>
/// <param name="TokenBudget">Most tokens (estimated, <see cref="LoreScanner.EstimateTokens"/>) the book's entries may add to a prompt.</param>
/// <param name="RecursiveScanning">An injected entry's content can trigger further entries.</param>
public sealed record Lorebook(
    string Id,
    string? AgentId,
    string Name,
    string Description,
    int ScanDepth,
    int TokenBudget,
    bool RecursiveScanning,
    IReadOnlyDictionary<string, System.Text.Json.JsonElement> Extensions,
    IReadOnlyList<LoreEntry> Entries,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One piece of world info.</summary>
/// <param name="Keys">Words or phrases that trigger the entry (whole words; case-insensitive unless <see cref="CaseSensitive"/>).</param>
/// <param name="SecondaryKeys">With <see cref="Selective"/>: one of these must appear too.</param>
/// <param name="Constant">Injected on every turn, keys or not (still within the budget).</param>
/// <param name="InsertionOrder">Lower is placed higher in the prompt; higher wins when the budget is tight (after <see cref="Priority"/>).</param>
/// <param name="Priority">When the budget is tight, entries with a lower priority are dropped first (null: 0).</param>
/// <param name="Position"><c>before_char</c> (above the persona) or <c>after_char</c> (below it).</param>
/// <param name="UseRegex">The keys are regular expressions (<see cref="LoreRegex"/>), matched anywhere, case per <see cref="CaseSensitive"/>.</param>
public sealed record LoreEntry(
    string Id,
    IReadOnlyList<string> Keys,
    IReadOnlyList<string> SecondaryKeys,
    bool Selective,
    bool Constant,
    string Content,
    bool Enabled,
    int InsertionOrder,
    int? Priority,
    bool CaseSensitive,
    string Position,
    string Name,
    string Comment,
    IReadOnlyDictionary<string, System.Text.Json.JsonElement> Extensions,
    bool UseRegex = false);

/// <summary>What a new entry (or an entry's replacement) is made of; validate with <see cref="LoreRules"/>.</summary>
public sealed record LoreEntryDraft(
    IReadOnlyList<string> Keys,
    string Content,
    IReadOnlyList<string>? SecondaryKeys = null,
    bool Selective = false,
    bool Constant = false,
    bool Enabled = true,
    int InsertionOrder = 100,
    int? Priority = null,
    bool CaseSensitive = false,
    string Position = LoreRules.AfterChar,
    string? Name = null,
    string? Comment = null,
    IReadOnlyDictionary<string, System.Text.Json.JsonElement>? Extensions = null,
    bool UseRegex = false);

/// <summary>A book's own settings.</summary>
public sealed record LorebookSettings(
    string? Name = null,
    string? Description = null,
    int ScanDepth = LoreRules.DefaultScanDepth,
    int TokenBudget = LoreRules.DefaultTokenBudget,
    bool RecursiveScanning = false,
    IReadOnlyDictionary<string, System.Text.Json.JsonElement>? Extensions = null);

/// <summary>Limits of lorebooks, shared by the API, the card importer and the store.</summary>
public static class LoreRules
{
    public const string BeforeChar = "before_char";
    public const string AfterChar = "after_char";
    public const int DefaultScanDepth = 4;
    public const int DefaultTokenBudget = 512;
    public const int MaxScanDepth = 100;
    public const int MaxTokenBudget = 8192;
    public const int MaxEntries = 500;
    public const int MaxKeys = 50;
    public const int MaxKeyLength = 100;
    public const int MaxContent = 8000;
    public const int MaxName = 200;
    public const int MaxDescription = 4000;

    /// <summary>Field errors of an entry, each field prefixed with <paramref name="prefix"/> (e.g. <c>data.character_book.entries[3].</c>).</summary>
    public static List<(string Field, string Error)> Validate(LoreEntryDraft draft, string prefix = "")
    {
        var errors = new List<(string, string)>();
        Keys(draft.Keys, prefix + "keys", errors, required: !draft.Constant, draft.UseRegex);
        Keys(draft.SecondaryKeys ?? [], prefix + "secondaryKeys", errors, required: false, draft.UseRegex);
        if (draft.Selective && (draft.SecondaryKeys is null || draft.SecondaryKeys.Count == 0))
            errors.Add((prefix + "secondaryKeys", "must not be empty when the entry is selective"));
        if (string.IsNullOrWhiteSpace(draft.Content)) errors.Add((prefix + "content", "must not be empty"));
        else if (draft.Content.Length > MaxContent) errors.Add((prefix + "content", $"must be at most {MaxContent} characters"));
        if (draft.Position is not (BeforeChar or AfterChar)) errors.Add((prefix + "position", $"must be '{BeforeChar}' or '{AfterChar}'"));
        if (draft.Name is { Length: > MaxName }) errors.Add((prefix + "name", $"must be at most {MaxName} characters"));
        if (draft.Comment is { Length: > MaxDescription }) errors.Add((prefix + "comment", $"must be at most {MaxDescription} characters"));
        return errors;
    }

    /// <summary>Field errors of a book's settings.</summary>
    public static List<(string Field, string Error)> Validate(LorebookSettings settings, string prefix = "")
    {
        var errors = new List<(string, string)>();
        if (settings.Name is { Length: > MaxName }) errors.Add((prefix + "name", $"must be at most {MaxName} characters"));
        if (settings.Description is { Length: > MaxDescription }) errors.Add((prefix + "description", $"must be at most {MaxDescription} characters"));
        if (settings.ScanDepth is < 1 or > MaxScanDepth) errors.Add((prefix + "scanDepth", $"must be between 1 and {MaxScanDepth}"));
        if (settings.TokenBudget is < 1 or > MaxTokenBudget) errors.Add((prefix + "tokenBudget", $"must be between 1 and {MaxTokenBudget}"));
        return errors;
    }

    private static void Keys(IReadOnlyList<string>? keys, string field, List<(string, string)> errors, bool required, bool regex)
    {
        if (keys is null || keys.Count == 0)
        {
            if (required) errors.Add((field, "must hold at least one key (or the entry must be constant)"));
            return;
        }
        if (keys.Count > MaxKeys) errors.Add((field, $"must hold at most {MaxKeys} keys"));
        if (keys.Any(k => string.IsNullOrWhiteSpace(k))) errors.Add((field, "must not hold empty keys"));
        else if (keys.Any(k => k.Length > MaxKeyLength)) errors.Add((field, $"keys must be at most {MaxKeyLength} characters"));
        else if (regex)
            for (var i = 0; i < keys.Count; i++)
                if (LoreRegex.Problem(keys[i]) is { } problem)
                {
                    errors.Add((field, $"key {i} is not a usable regular expression ({problem}); backreferences and lookarounds are not supported"));
                    break;
                }
    }
}
