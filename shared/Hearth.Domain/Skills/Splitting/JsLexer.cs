namespace Hearth.Skills.Splitting;

internal enum JsTokenKind : byte { Identifier, Punctuator, String, Template, Regex, Number, Comment }

/// <summary>A JavaScript/TypeScript token. <see cref="Depth"/> is the bracket nesting it sits in: an opening bracket and its closing partner share a depth, the tokens between them are one deeper.</summary>
internal readonly record struct JsToken(int Start, int End, JsTokenKind Kind, int Depth);

/// <summary>
/// Just enough of a JavaScript/TypeScript lexer to find statements: identifiers, punctuators, strings, template
/// literals (with nested <c>${}</c>), regular expression literals (told from division by the previous token),
/// numbers and comments. Strings end at an unescaped line break, so a stray quote (JSX text) damages one line at most.
/// </summary>
internal static class JsLexer
{
    private const int MaxTemplateNesting = 32;

    private static readonly byte[][] RegexAfterKeywords =
    [
        "return"u8.ToArray(), "typeof"u8.ToArray(), "case"u8.ToArray(), "do"u8.ToArray(), "else"u8.ToArray(),
        "in"u8.ToArray(), "of"u8.ToArray(), "new"u8.ToArray(), "delete"u8.ToArray(), "void"u8.ToArray(),
        "throw"u8.ToArray(), "instanceof"u8.ToArray(), "yield"u8.ToArray(), "await"u8.ToArray(),
    ];

    /// <summary>Tokenizes <paramref name="s"/>; <paramref name="partner"/> gives, for each bracket token, the index of its partner (-1 when unbalanced or not a bracket).</summary>
    public static List<JsToken> Tokenize(ReadOnlySpan<byte> s, out int[] partner)
    {
        var tokens = new List<JsToken>();
        Run(s, tokens);
        partner = MatchBrackets(s, tokens);
        return tokens;
    }

    private static void Run(ReadOnlySpan<byte> s, List<JsToken> tokens)
    {
        var i = s.StartsWith("\uFEFF"u8) ? 3 : 0;
        if (s[i..].StartsWith("#!"u8))
        {
            var end = LineEnd(s, i);
            tokens.Add(new JsToken(i, end, JsTokenKind.Comment, 0));
            i = end;
        }
        var depth = 0;
        var regexAllowed = true;
        while (i < s.Length)
        {
            if (IsSpace(s[i]))
            {
                i++;
                continue;
            }
            var start = i;
            var kind = Scan(s, ref i, regexAllowed, 0);
            var tokenDepth = depth;
            if (kind == JsTokenKind.Punctuator && i - start == 1)
            {
                switch (s[start])
                {
                    case (byte)'(' or (byte)'[' or (byte)'{':
                        depth++;
                        break;
                    case (byte)')' or (byte)']' or (byte)'}':
                        depth = Math.Max(0, depth - 1);
                        tokenDepth = depth;
                        break;
                }
            }
            tokens.Add(new JsToken(start, i, kind, tokenDepth));
            if (kind != JsTokenKind.Comment)
                regexAllowed = RegexMayFollow(s, start, i, kind);
        }
    }

    /// <summary>Scans one token at <paramref name="i"/> (not whitespace) and moves past it.</summary>
    private static JsTokenKind Scan(ReadOnlySpan<byte> s, ref int i, bool regexAllowed, int nesting)
    {
        var c = s[i];
        var next = i + 1 < s.Length ? s[i + 1] : (byte)0;
        if (c == (byte)'/' && next == (byte)'/')
        {
            i = LineEnd(s, i);
            return JsTokenKind.Comment;
        }
        if (c == (byte)'/' && next == (byte)'*')
        {
            var close = s[(i + 2)..].IndexOf("*/"u8);
            i = close < 0 ? s.Length : i + 2 + close + 2;
            return JsTokenKind.Comment;
        }
        if (c is (byte)'\'' or (byte)'"')
        {
            i = SkipQuoted(s, i + 1, c);
            return JsTokenKind.String;
        }
        if (c == (byte)'`')
        {
            i = SkipTemplate(s, i + 1, nesting);
            return JsTokenKind.Template;
        }
        if (c == (byte)'/' && regexAllowed && TrySkipRegex(s, i + 1, out var end))
        {
            i = end;
            return JsTokenKind.Regex;
        }
        if (IsIdentifierStart(c) || (c == (byte)'#' && i + 1 < s.Length && IsIdentifierStart(next)))
        {
            i++;
            while (i < s.Length && IsIdentifierPart(s[i]))
                i++;
            return JsTokenKind.Identifier;
        }
        if (char.IsAsciiDigit((char)c) || (c == (byte)'.' && char.IsAsciiDigit((char)next)))
        {
            i++;
            while (i < s.Length && (IsIdentifierPart(s[i]) || s[i] == (byte)'.'))
                i++;
            return JsTokenKind.Number;
        }
        i += c == (byte)'=' && next == (byte)'>' ? 2 : 1;
        return JsTokenKind.Punctuator;
    }

    private static int SkipQuoted(ReadOnlySpan<byte> s, int i, byte quote)
    {
        while (i < s.Length)
        {
            var c = s[i];
            if (c == (byte)'\\')
                i = i + 1 < s.Length && s[i + 1] is (byte)'\r' or (byte)'\n' ? Lines.Next(s, i + 1, out _) : i + 2;
            else if (c == quote)
                return i + 1;
            else if (c is (byte)'\r' or (byte)'\n')
                return i;
            else
                i++;
        }
        return s.Length;
    }

    private static int SkipTemplate(ReadOnlySpan<byte> s, int i, int nesting)
    {
        while (i < s.Length)
        {
            var c = s[i];
            if (c == (byte)'\\')
                i += 2;
            else if (c == (byte)'`')
                return i + 1;
            else if (c == (byte)'$' && i + 1 < s.Length && s[i + 1] == (byte)'{' && nesting < MaxTemplateNesting)
                i = SkipTemplateExpression(s, i + 2, nesting + 1);
            else
                i++;
        }
        return s.Length;
    }

    /// <summary>Skips a <c>${...}</c> expression: tokens up to the brace that closes it.</summary>
    private static int SkipTemplateExpression(ReadOnlySpan<byte> s, int i, int nesting)
    {
        var braces = 0;
        var regexAllowed = true;
        while (i < s.Length)
        {
            if (IsSpace(s[i]))
            {
                i++;
                continue;
            }
            var start = i;
            var kind = Scan(s, ref i, regexAllowed, nesting);
            if (kind == JsTokenKind.Punctuator && i - start == 1)
            {
                if (s[start] == (byte)'{')
                    braces++;
                else if (s[start] == (byte)'}' && braces-- == 0)
                    return i;
            }
            if (kind != JsTokenKind.Comment)
                regexAllowed = RegexMayFollow(s, start, i, kind);
        }
        return s.Length;
    }

    private static bool TrySkipRegex(ReadOnlySpan<byte> s, int i, out int end)
    {
        var inClass = false;
        end = i;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is (byte)'\r' or (byte)'\n')
                return false;
            if (c == (byte)'\\')
                i += 2;
            else if (c == (byte)'[')
                (inClass, i) = (true, i + 1);
            else if (c == (byte)']')
                (inClass, i) = (false, i + 1);
            else if (c == (byte)'/' && !inClass)
            {
                i++;
                while (i < s.Length && IsIdentifierPart(s[i]))
                    i++;
                end = i;
                return true;
            }
            else
                i++;
        }
        return false;
    }

    private static bool RegexMayFollow(ReadOnlySpan<byte> s, int start, int end, JsTokenKind kind) => kind switch
    {
        JsTokenKind.Identifier => IsRegexKeyword(s[start..end]),
        JsTokenKind.Punctuator => end - start != 1 || s[start] is not ((byte)')' or (byte)']'),
        _ => false,
    };

    private static bool IsRegexKeyword(ReadOnlySpan<byte> word)
    {
        foreach (var keyword in RegexAfterKeywords)
        {
            if (word.SequenceEqual(keyword))
                return true;
        }
        return false;
    }

    private static int[] MatchBrackets(ReadOnlySpan<byte> source, List<JsToken> tokens)
    {
        var partner = new int[tokens.Count];
        Array.Fill(partner, -1);
        var open = new Stack<int>();
        for (var t = 0; t < tokens.Count; t++)
        {
            var token = tokens[t];
            if (token.Kind != JsTokenKind.Punctuator || token.End - token.Start != 1)
                continue;
            var c = source[token.Start];
            if (c is (byte)'(' or (byte)'[' or (byte)'{')
                open.Push(t);
            else if (c is (byte)')' or (byte)']' or (byte)'}' && open.Count > 0)
            {
                var o = open.Pop();
                partner[o] = t;
                partner[t] = o;
            }
        }
        return partner;
    }

    private static int LineEnd(ReadOnlySpan<byte> s, int i)
    {
        var eol = s[i..].IndexOfAny((byte)'\r', (byte)'\n');
        return eol < 0 ? s.Length : i + eol;
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v';

    private static bool IsIdentifierStart(byte c) => char.IsAsciiLetter((char)c) || c is (byte)'_' or (byte)'$' || c >= 0x80;

    private static bool IsIdentifierPart(byte c) => IsIdentifierStart(c) || char.IsAsciiDigit((char)c);
}
