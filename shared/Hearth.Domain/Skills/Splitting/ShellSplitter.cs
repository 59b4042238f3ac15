namespace Hearth.Skills.Splitting;

/// <summary>
/// Shell: functions in both forms, <c>name() {</c> and <c>function name {</c> (with or without parentheses, the brace
/// on the same or the next line). A small lexer follows quotes, <c>$(...)</c>, <c>${...}</c>, backticks, comments and
/// here-documents, so braces and function-looking lines inside them do not count.
/// </summary>
internal static class ShellSplitter
{
    private enum Context : byte { Single, Double, Ansi, Backtick, Substitution, Parameter }

    private record struct LineInfo(int Offset, bool Continued, int Depth)
    {
        public bool HasCode { get; set; }
        public bool HasComment { get; set; }
        public bool ContinuesNext { get; set; }
    }

    private static readonly byte[][] ContinuationWords =
    [
        "{"u8.ToArray(), "}"u8.ToArray(), ")"u8.ToArray(), ";;"u8.ToArray(), "then"u8.ToArray(), "do"u8.ToArray(),
        "done"u8.ToArray(), "fi"u8.ToArray(), "else"u8.ToArray(), "elif"u8.ToArray(), "esac"u8.ToArray(),
        "in"u8.ToArray(), "|"u8.ToArray(), "||"u8.ToArray(), "&&"u8.ToArray(),
    ];

    public static void Split(ReadOnlySpan<byte> s, SectionBuilder b)
    {
        var lines = Lex(s);
        var statements = new List<ScriptStatement>();
        var minLine = 0;
        var previousContinues = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!line.HasCode)
                continue;
            var continued = previousContinues;
            previousContinues = line.ContinuesNext;
            if (line.Continued || line.Depth != 0 || continued)
                continue;
            var word = FirstWord(s, line.Offset);
            if (IsContinuationWord(word))
                continue;
            var top = i;
            while (top - 1 >= minLine && lines[top - 1].HasComment && !lines[top - 1].HasCode && !lines[top - 1].Continued
                && !(top - 1 == 0 && s[SkipBom(s)..].StartsWith("#!"u8)))
                top--;
            minLine = i + 1;
            var name = FunctionName(s, line.Offset);
            statements.Add(new ScriptStatement(lines[top].Offset, name is null ? SectionKind.Code : SectionKind.Function, name));
        }
        ScriptSections.Emit(b, statements, null, fileLevel: true, static (_, _) => { });
    }

    private static int SkipBom(ReadOnlySpan<byte> s) => s.StartsWith("\uFEFF"u8) ? 3 : 0;

    private static bool IsContinuationWord(ReadOnlySpan<byte> word)
    {
        foreach (var w in ContinuationWords)
        {
            if (word.SequenceEqual(w))
                return true;
        }
        return false;
    }

    private static ReadOnlySpan<byte> FirstWord(ReadOnlySpan<byte> s, int offset)
    {
        var i = offset == 0 ? SkipBom(s) : offset;
        while (i < s.Length && Lines.IsSpaceOrTab(s[i]))
            i++;
        var e = i;
        while (e < s.Length && !IsBreak(s[e]))
            e++;
        return s[i..e];
    }

    private static bool IsBreak(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)';';

    private static bool IsNameChar(byte c) =>
        char.IsAsciiLetterOrDigit((char)c) || c is (byte)'_' or (byte)'-' or (byte)':' or (byte)'.' or (byte)'@' or (byte)'+' || c >= 0x80;

    /// <summary>The function a line declares (<c>name() ...</c> or <c>function name ...</c>), or null.</summary>
    internal static string? FunctionName(ReadOnlySpan<byte> s, int offset)
    {
        var i = offset == 0 ? SkipBom(s) : offset;
        var eol = s[i..].IndexOfAny((byte)'\r', (byte)'\n');
        var line = Lines.TrimSpaces(eol < 0 ? s[i..] : s[i..(i + eol)]);
        var keyword = line.StartsWith("function"u8) && line.Length > 8 && Lines.IsSpaceOrTab(line[8]);
        if (keyword)
            line = line[8..].TrimStart(" \t"u8);
        var n = 0;
        while (n < line.Length && IsNameChar(line[n]))
            n++;
        if (n == 0 || (!keyword && !(char.IsAsciiLetter((char)line[0]) || line[0] == (byte)'_')))
            return null;
        var rest = line[n..].TrimStart(" \t"u8);
        if (rest.StartsWith("("u8))
        {
            rest = rest[1..].TrimStart(" \t"u8);
            if (!rest.StartsWith(")"u8))
                return null;
            rest = rest[1..].TrimStart(" \t"u8);
        }
        else if (!keyword)
            return null;
        // The body opens here or on a following line; anything else is a command, not a declaration.
        return rest.IsEmpty || rest[0] is (byte)'{' or (byte)'(' or (byte)'#' ? SectionBuilder.Decode(line[..n]) : null;
    }

    private static List<LineInfo> Lex(ReadOnlySpan<byte> s)
    {
        var lines = new List<LineInfo>();
        var stack = new Stack<(Context Context, int Count)>();
        var heredocs = new List<(byte[] Delimiter, bool StripTabs)>();
        var depth = 0;
        var i = SkipBom(s);
        var continued = false;
        lines.Add(new LineInfo(0, false, 0));
        var wordStart = true;
        var lastCode = -1;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is (byte)'\r' or (byte)'\n')
            {
                var info = lines[^1];
                info.ContinuesNext = lastCode >= 0 && (s[lastCode] == (byte)'|' || (s[lastCode] == (byte)'&' && lastCode > 0 && s[lastCode - 1] == (byte)'&'));
                lines[^1] = info;
                i = Lines.Next(s, i, out _);
                if (heredocs.Count > 0 && (stack.Count == 0 || stack.Peek().Context == Context.Substitution))
                    i = SkipHeredocs(s, i, heredocs, lines, depth);
                if (i < s.Length)
                    lines.Add(new LineInfo(i, stack.Count > 0 || continued, depth));
                continued = false;
                wordStart = true;
                lastCode = -1;
                continue;
            }

            var ctx = stack.Count == 0 ? (Context?)null : stack.Peek().Context;
            var current = lines[^1];
            if (ctx is null or Context.Substitution && !(c is (byte)' ' or (byte)'\t') && !(c == (byte)'#' && wordStart))
            {
                current.HasCode = true;
                lines[^1] = current;
            }
            switch (ctx)
            {
                case Context.Single:
                    if (c == (byte)'\'')
                        stack.Pop();
                    i++;
                    continue;
                case Context.Ansi or Context.Backtick or Context.Double:
                    if (c == (byte)'\\')
                        i = EscapedEnd(s, i, ref continued);
                    else if ((c == (byte)'\'' && ctx == Context.Ansi) || (c == (byte)'`' && ctx == Context.Backtick) || (c == (byte)'"' && ctx == Context.Double))
                    {
                        stack.Pop();
                        i++;
                    }
                    else if (ctx == Context.Double && c == (byte)'`')
                    {
                        stack.Push((Context.Backtick, 1));
                        i++;
                    }
                    else if (!(ctx == Context.Double && TryOpenExpansion(s, ref i, stack)))
                        i++;
                    continue;
                case Context.Parameter:
                    if (c == (byte)'}')
                    {
                        var top = stack.Pop();
                        if (top.Count > 1)
                            stack.Push((Context.Parameter, top.Count - 1));
                        i++;
                    }
                    else if (c == (byte)'\\')
                        i = EscapedEnd(s, i, ref continued);
                    else if (c is (byte)'\'' or (byte)'"')
                    {
                        stack.Push((c == (byte)'"' ? Context.Double : Context.Single, 1));
                        i++;
                    }
                    else if (!TryOpenExpansion(s, ref i, stack))
                        i++;
                    continue;
            }

            // Top level or inside $( ... ): words, quotes, comments, braces, here-documents.
            if (c is (byte)' ' or (byte)'\t')
            {
                wordStart = true;
                i++;
                continue;
            }
            var atWordStart = wordStart;
            wordStart = c is (byte)';' or (byte)'&' or (byte)'|' or (byte)'(' or (byte)')' or (byte)'<' or (byte)'>';
            lastCode = i;
            if (c == (byte)'#' && atWordStart)
            {
                current.HasComment = true;
                lines[^1] = current;
                lastCode = -1;
                var eol = s[i..].IndexOfAny((byte)'\r', (byte)'\n');
                i = eol < 0 ? s.Length : i + eol;
                continue;
            }
            switch (c)
            {
                case (byte)'\\':
                    i = EscapedEnd(s, i, ref continued);
                    break;
                case (byte)'\'' or (byte)'"' or (byte)'`':
                    stack.Push((c switch { (byte)'\'' => Context.Single, (byte)'"' => Context.Double, _ => Context.Backtick }, 1));
                    i++;
                    break;
                case (byte)'$' when i + 1 < s.Length && s[i + 1] == (byte)'\'':
                    stack.Push((Context.Ansi, 1));
                    i += 2;
                    break;
                case (byte)'$':
                    if (!TryOpenExpansion(s, ref i, stack))
                        i++;
                    break;
                case (byte)'(' when ctx == Context.Substitution:
                    var open = stack.Pop();
                    stack.Push((Context.Substitution, open.Count + 1));
                    i++;
                    break;
                case (byte)')' when ctx == Context.Substitution:
                    var close = stack.Pop();
                    if (close.Count > 1)
                        stack.Push((Context.Substitution, close.Count - 1));
                    i++;
                    break;
                case (byte)'{' when ctx is null && atWordStart && (i + 1 == s.Length || IsBreak(s[i + 1])):
                    depth++;
                    i++;
                    break;
                case (byte)'}' when ctx is null && atWordStart && (i + 1 == s.Length || IsBreak(s[i + 1]) || s[i + 1] is (byte)')' or (byte)'|' or (byte)'&' or (byte)'<' or (byte)'>'):
                    depth = Math.Max(0, depth - 1);
                    i++;
                    break;
                case (byte)'<' when i + 2 < s.Length && s[i + 1] == (byte)'<' && s[i + 2] == (byte)'<':
                    // A here-string (<<<word): the word that follows is ordinary shell, not a here-document's delimiter.
                    i += 3;
                    break;
                case (byte)'<' when i + 1 < s.Length && s[i + 1] == (byte)'<':
                    i = ReadHeredocDelimiter(s, i + 2, heredocs);
                    break;
                default:
                    i++;
                    break;
            }
        }
        return lines;
    }

    /// <summary>Opens <c>$(</c> or <c>${</c> at <paramref name="i"/>.</summary>
    private static bool TryOpenExpansion(ReadOnlySpan<byte> s, ref int i, Stack<(Context, int)> stack)
    {
        if (s[i] != (byte)'$' || i + 1 >= s.Length)
            return false;
        if (s[i + 1] == (byte)'(')
            stack.Push((Context.Substitution, 1));
        else if (s[i + 1] == (byte)'{')
            stack.Push((Context.Parameter, 1));
        else
            return false;
        i += 2;
        return true;
    }

    /// <summary>Past a backslash escape; a backslash before a line break continues the line.</summary>
    private static int EscapedEnd(ReadOnlySpan<byte> s, int i, ref bool continued)
    {
        if (i + 1 < s.Length && s[i + 1] is (byte)'\r' or (byte)'\n')
        {
            continued = true;
            return i + 1;
        }
        return i + 2;
    }

    /// <summary>Reads the word after <c>&lt;&lt;</c> or <c>&lt;&lt;-</c> (quotes removed) as a pending here-document delimiter.</summary>
    private static int ReadHeredocDelimiter(ReadOnlySpan<byte> s, int i, List<(byte[], bool)> heredocs)
    {
        var strip = i < s.Length && s[i] == (byte)'-';
        if (strip)
            i++;
        while (i < s.Length && Lines.IsSpaceOrTab(s[i]))
            i++;
        var word = new List<byte>();
        byte quote = 0;
        while (i < s.Length && s[i] is not ((byte)'\r' or (byte)'\n'))
        {
            var c = s[i];
            if (quote != 0)
            {
                if (c == quote)
                    quote = 0;
                else
                    word.Add(c);
            }
            else if (c is (byte)'\'' or (byte)'"')
                quote = c;
            else if (c == (byte)'\\')
            {
                if (i + 1 < s.Length && s[i + 1] is not ((byte)'\r' or (byte)'\n'))
                    word.Add(s[++i]);
            }
            else if (c is (byte)' ' or (byte)'\t' or (byte)';' or (byte)'&' or (byte)'|' or (byte)'<' or (byte)'>' or (byte)'(' or (byte)')')
                break;
            else
                word.Add(c);
            i++;
        }
        if (word.Count > 0)
            heredocs.Add((word.ToArray(), strip));
        return i;
    }

    /// <summary>Skips the bodies of the pending here-documents, which start at the line after the one that opened them.</summary>
    private static int SkipHeredocs(ReadOnlySpan<byte> s, int i, List<(byte[] Delimiter, bool StripTabs)> heredocs, List<LineInfo> lines, int depth)
    {
        foreach (var (delimiter, stripTabs) in heredocs)
        {
            while (i < s.Length)
            {
                lines.Add(new LineInfo(i, true, depth));
                var next = Lines.Next(s, i, out var end);
                var line = s[i..end];
                if (stripTabs)
                    line = line.TrimStart((byte)'\t');
                i = next;
                if (line.SequenceEqual(delimiter))
                    break;
            }
        }
        heredocs.Clear();
        return i;
    }
}
