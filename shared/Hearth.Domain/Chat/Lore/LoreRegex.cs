using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Hearth.Chat.Lore;

/// <summary>
/// Regular-expression keys (Character Card V3's <c>use_regex</c>): a key is a pattern, or <c>/pattern/flags</c> as
/// SillyTavern writes them (flag <c>i</c>: any case; the others change nothing for a yes/no match). Patterns come from
/// users and cards, so they run on .NET's non-backtracking engine (time linear in the text, no catastrophic
/// backtracking; backreferences and lookarounds are refused) with a timeout; a key that times out does not match.
/// </summary>
public static class LoreRegex
{
    /// <summary>Longest a key's match may run on one text.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    private const int CacheLimit = 2048;
    private static readonly ConcurrentDictionary<(string Key, bool CaseSensitive), Regex> Cache = new();

    /// <summary>Why the key is not a usable pattern, or null when it is.</summary>
    public static string? Problem(string key)
    {
        try
        {
            Build(key.Trim(), caseSensitive: true);
            return null;
        }
        catch (ArgumentException e)
        {
            return e is RegexParseException parse ? parse.Error.ToString() + " at " + parse.Offset : e.Message;
        }
        catch (NotSupportedException e)
        {
            return e.Message;
        }
    }

    /// <summary>Whether the pattern <paramref name="key"/> matches <paramref name="text"/> (false for an invalid pattern or a timeout).</summary>
    public static bool Matches(string text, string key, bool caseSensitive)
    {
        key = key.Trim();
        if (key.Length == 0) return false;
        Regex regex;
        try
        {
            if (Cache.Count > CacheLimit) Cache.Clear();
            regex = Cache.GetOrAdd((key, caseSensitive), k => Build(k.Key, k.CaseSensitive));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false; // written before it was checked: it never triggers
        }
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static Regex Build(string key, bool caseSensitive)
    {
        var pattern = key;
        var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
        var slash = key.LastIndexOf('/');
        if (key.Length > 2 && key[0] == '/' && slash > 0 && key[(slash + 1)..].All(f => "gimsuyd".Contains(f)))
        {
            pattern = key[1..slash];
            var flags = key[(slash + 1)..];
            if (flags.Contains('i')) caseSensitive = false;
            if (flags.Contains('m')) options |= RegexOptions.Multiline;
            if (flags.Contains('s')) options |= RegexOptions.Singleline;
        }
        if (!caseSensitive) options |= RegexOptions.IgnoreCase;
        return new Regex(pattern, options, Timeout);
    }
}
