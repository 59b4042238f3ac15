namespace Hearth.Skills.Splitting;

/// <summary>
/// Python: top-level classes, <c>def</c> and <c>async def</c> (decorators and the comment lines right above belong to
/// them), methods and nested classes inside classes. A small lexer skips strings (triple-quoted too), comments,
/// bracketed continuation lines and backslash continuations, so a <c>def</c> inside a docstring is not a symbol.
/// </summary>
internal static class PythonSplitter
{
    private enum LineKind { Blank, Comment, Shebang, Decorator, Def, Class, Other }

    private record struct LogicalLine(int Offset, int Indent, LineKind Kind, string Name);

    public static void Split(ReadOnlySpan<byte> s, SectionBuilder b)
    {
        var lines = Lex(s);
        SplitBlock(b, lines, 0, lines.Count, 0, null, 0);
    }

    private static void SplitBlock(SectionBuilder b, List<LogicalLine> lines, int from, int to, int blockIndent, int? parent, int nesting)
    {
        var statements = new List<ScriptStatement>();
        var i = from;
        while (i < to)
        {
            var line = lines[i];
            if (IsNeutral(line.Kind) || line.Indent > blockIndent)
            {
                i++;
                continue;
            }
            var header = i;
            if (line.Kind == LineKind.Decorator)
            {
                header++;
                while (header < to && (IsNeutral(lines[header].Kind) || lines[header].Indent > blockIndent
                    || lines[header].Kind == LineKind.Decorator))
                    header++;
            }
            var start = lines[AttachComments(lines, from, i, blockIndent)].Offset;
            if (header < to && lines[header].Indent == blockIndent && lines[header].Kind is LineKind.Def or LineKind.Class)
            {
                var end = header + 1;
                while (end < to && (IsNeutral(lines[end].Kind) || lines[end].Indent > blockIndent))
                    end++;
                var kind = lines[header].Kind == LineKind.Class ? SectionKind.Class : SectionKind.Function;
                statements.Add(new ScriptStatement(start, kind, lines[header].Name, header + 1, end));
                i = end;
            }
            else
            {
                statements.Add(new ScriptStatement(start, SectionKind.Code, null));
                i++;
            }
        }

        ScriptSections.Emit(b, statements, parent, parent is null, (st, index) =>
        {
            if (st.Kind != SectionKind.Class || nesting >= ScriptSections.MaxNesting)
                return;
            var first = st.BodyFrom;
            while (first < st.BodyTo && IsNeutral(lines[first].Kind))
                first++;
            if (first < st.BodyTo && lines[first].Indent > blockIndent)
                SplitBlock(b, lines, first, st.BodyTo, lines[first].Indent, index, nesting + 1);
        });
    }

    private static bool IsNeutral(LineKind kind) => kind is LineKind.Blank or LineKind.Comment or LineKind.Shebang;

    /// <summary>Moves a statement's start up over the comment lines directly above it at the same indentation.</summary>
    private static int AttachComments(List<LogicalLine> lines, int from, int at, int indent)
    {
        while (at > from && lines[at - 1].Kind == LineKind.Comment && lines[at - 1].Indent == indent)
            at--;
        return at;
    }

    /// <summary>Splits the file into logical lines (a bracketed or continued statement is one), classifying each.</summary>
    private static List<LogicalLine> Lex(ReadOnlySpan<byte> s)
    {
        var lines = new List<LogicalLine>();
        var i = 0;
        while (i < s.Length)
        {
            var lineStart = i;
            var j = i == 0 && s.StartsWith("\uFEFF"u8) ? 3 : i;
            var indent = 0;
            for (; j < s.Length; j++)
            {
                if (s[j] == (byte)' ')
                    indent++;
                else if (s[j] == (byte)'\t')
                    indent = ((indent / 8) + 1) * 8;
                else if (s[j] == (byte)'\f')
                    indent = 0;
                else
                    break;
            }
            if (j == s.Length || s[j] is (byte)'\r' or (byte)'\n' || s[j] == (byte)'#')
            {
                var kind = j == s.Length || s[j] != (byte)'#' ? LineKind.Blank
                    : lineStart == 0 && j + 1 < s.Length && s[j + 1] == (byte)'!' ? LineKind.Shebang : LineKind.Comment;
                lines.Add(new LogicalLine(lineStart, indent, kind, ""));
                i = j == s.Length ? j : Lines.Next(s, j, out _);
                continue;
            }
            lines.Add(Classify(s, lineStart, j, indent));
            i = SkipLogicalLine(s, j);
        }
        return lines;
    }

    private static LogicalLine Classify(ReadOnlySpan<byte> s, int lineStart, int j, int indent)
    {
        if (s[j] == (byte)'@')
            return new LogicalLine(lineStart, indent, LineKind.Decorator, "");
        var word = Word(s, j);
        var k = j + word.Length;
        if (word.SequenceEqual("async"u8) && SkipSpaces(s, k) is var a && a > k)
        {
            word = Word(s, a);
            k = a + word.Length;
            if (!word.SequenceEqual("def"u8))
                return new LogicalLine(lineStart, indent, LineKind.Other, "");
        }
        var isDef = word.SequenceEqual("def"u8);
        if (!isDef && !word.SequenceEqual("class"u8))
            return new LogicalLine(lineStart, indent, LineKind.Other, "");
        var n = SkipSpaces(s, k);
        var name = Word(s, n);
        if (n == k || name.IsEmpty)
            return new LogicalLine(lineStart, indent, LineKind.Other, "");
        return new LogicalLine(lineStart, indent, isDef ? LineKind.Def : LineKind.Class, SectionBuilder.Decode(name));
    }

    private static int SkipSpaces(ReadOnlySpan<byte> s, int k)
    {
        while (k < s.Length && Lines.IsSpaceOrTab(s[k]))
            k++;
        return k;
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> s, int k)
    {
        var e = k;
        while (e < s.Length && (char.IsAsciiLetterOrDigit((char)s[e]) || s[e] == (byte)'_' || s[e] >= 0x80))
            e++;
        return s[k..e];
    }

    /// <summary>Returns the start of the physical line after the logical line that begins at <paramref name="k"/>.</summary>
    private static int SkipLogicalLine(ReadOnlySpan<byte> s, int k)
    {
        var depth = 0;
        while (k < s.Length)
        {
            switch (s[k])
            {
                case (byte)'#':
                    var eol = s[k..].IndexOfAny((byte)'\r', (byte)'\n');
                    k = eol < 0 ? s.Length : k + eol;
                    break;
                case (byte)'\'' or (byte)'"':
                    k = SkipString(s, k);
                    break;
                case (byte)'(' or (byte)'[' or (byte)'{':
                    depth++;
                    k++;
                    break;
                case (byte)')' or (byte)']' or (byte)'}':
                    depth = Math.Max(0, depth - 1);
                    k++;
                    break;
                case (byte)'\\':
                    k = k + 1 < s.Length && s[k + 1] is (byte)'\r' or (byte)'\n' ? Lines.Next(s, k + 1, out _) : k + 2;
                    break;
                case (byte)'\r' or (byte)'\n':
                    var next = Lines.Next(s, k, out _);
                    if (depth == 0)
                        return next;
                    k = next;
                    break;
                default:
                    k++;
                    break;
            }
        }
        return s.Length;
    }

    private static int SkipString(ReadOnlySpan<byte> s, int k)
    {
        var q = s[k];
        if (k + 2 < s.Length && s[k + 1] == q && s[k + 2] == q)
        {
            k += 3;
            while (k < s.Length)
            {
                if (s[k] == (byte)'\\')
                    k += 2;
                else if (s[k] == q && k + 2 < s.Length && s[k + 1] == q && s[k + 2] == q)
                    return k + 3;
                else
                    k++;
            }
            return s.Length;
        }
        k++;
        while (k < s.Length)
        {
            var c = s[k];
            if (c == (byte)'\\')
                k = k + 1 < s.Length && s[k + 1] is (byte)'\r' or (byte)'\n' ? Lines.Next(s, k + 1, out _) : k + 2;
            else if (c == q)
                return k + 1;
            else if (c is (byte)'\r' or (byte)'\n')
                return k; // unterminated: the line ends the string
            else
                k++;
        }
        return s.Length;
    }
}
