namespace Hearth.Skills.Splitting;

/// <summary>
/// Markdown: frontmatter, ATX headings h1–h6 nested by level, XML-style block tags on their own lines (with a
/// matching closing tag), text before the first heading as a preamble. Headings and tags inside fenced code
/// (``` or ~~~, any length, unclosed fences run to the end) and inside HTML comments are ignored.
/// </summary>
internal static class MarkdownSplitter
{
    private enum Mark { Heading, Open, Close }

    private record struct Event(Mark Mark, int Offset, int NextLine, int Level, string Name, string Title)
    {
        public bool Matched { get; set; }
        public int Partner { get; set; }
    }

    private record struct Container(int Section, int Level, bool IsTag);

    public static void Split(ReadOnlySpan<byte> s, SectionBuilder b, int frontmatterEnd)
    {
        var bodyStart = 0;
        if (frontmatterEnd > 0)
        {
            b.Add(0, SectionKind.Frontmatter, "frontmatter", null);
            bodyStart = frontmatterEnd;
        }

        var events = Scan(s, bodyStart);
        MatchTags(events);

        // Text between the frontmatter and the first boundary is a preamble, unless it is only blank lines.
        var first = events.FindIndex(e => e.Matched || e.Mark == Mark.Heading);
        var firstOffset = first < 0 ? s.Length : events[first].Offset;
        if (bodyStart > 0 && firstOffset > bodyStart && !SectionBuilder.IsBlank(s[bodyStart..firstOffset]))
            b.Add(bodyStart, SectionKind.Preamble, null, null);

        var stack = new List<Container>();
        var sectionOfEvent = new int[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            switch (e.Mark)
            {
                case Mark.Heading:
                    while (stack.Count > 0 && !stack[^1].IsTag && stack[^1].Level >= e.Level)
                        stack.RemoveAt(stack.Count - 1);
                    var h = b.Add(e.Offset, SectionKind.Heading, e.Title, Top(stack), e.Level);
                    stack.Add(new Container(h, e.Level, false));
                    break;
                case Mark.Open when e.Matched:
                    var t = b.Add(e.Offset, SectionKind.Tag, e.Title, Top(stack));
                    sectionOfEvent[i] = t;
                    stack.Add(new Container(t, 0, true));
                    break;
                case Mark.Close when e.Matched:
                    var open = sectionOfEvent[e.Partner];
                    while (stack.Count > 0 && stack[^1].Section != open)
                        stack.RemoveAt(stack.Count - 1);
                    stack.RemoveAt(stack.Count - 1);
                    // What follows a closing tag belongs to the enclosing section, not to the tag: it gets its own section.
                    var nextOffset = s.Length;
                    for (var j = i + 1; j < events.Count; j++)
                    {
                        if (events[j].Mark == Mark.Heading || events[j].Matched)
                        {
                            nextOffset = events[j].Offset;
                            break;
                        }
                    }
                    if (e.NextLine < nextOffset && !SectionBuilder.IsBlank(s[e.NextLine..nextOffset]))
                        b.Add(e.NextLine, SectionKind.Text, null, Top(stack));
                    break;
            }
        }
    }

    private static int? Top(List<Container> stack) => stack.Count == 0 ? null : stack[^1].Section;

    /// <summary>Pairs each closing tag with the nearest open tag of the same name; the open tags between them, and tags left unpaired, are plain text.</summary>
    private static void MatchTags(List<Event> events)
    {
        var open = new List<int>();
        var openByName = new Dictionary<string, Stack<int>>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Mark == Mark.Open)
            {
                if (!openByName.TryGetValue(e.Name, out var positions))
                    openByName[e.Name] = positions = new Stack<int>();
                positions.Push(open.Count);
                open.Add(i);
            }
            else if (e.Mark == Mark.Close && openByName.TryGetValue(e.Name, out var positions) && positions.Count > 0)
            {
                var at = positions.Peek();
                var o = open[at];
                events[o] = events[o] with { Matched = true, Partner = i };
                events[i] = e with { Matched = true, Partner = o };
                for (var k = open.Count - 1; k >= at; k--)
                    openByName[events[open[k]].Name].Pop();
                open.RemoveRange(at, open.Count - at);
            }
        }
    }

    /// <summary>
    /// One pass over the lines, finding heading and tag lines outside fenced code and HTML comments. Fences are
    /// CommonMark's, including those opened inside block quotes and list items (<c>1. ```sh</c>): such a fence closes
    /// at its closing line (indented up to 3 columns past the item's content) or when its container ends (a line
    /// without the quote's <c>&gt;</c>, or less indented than the list item's content).
    /// </summary>
    private static List<Event> Scan(ReadOnlySpan<byte> s, int start)
    {
        var events = new List<Event>();
        byte fenceChar = 0;
        var fenceLength = 0;
        var fenceQuotes = 0;
        var fenceContent = 0;
        var listContent = -1;
        var inComment = false;
        var next = start;
        while (next < s.Length)
        {
            var lineStart = next;
            next = Lines.Next(s, lineStart, out var end);
            var line = s[lineStart..end];
            if (lineStart == 0 && line.StartsWith("\uFEFF"u8))
                line = line[3..];

            if (fenceChar != 0)
            {
                var inner = StripQuotes(line, fenceQuotes, out var quotes);
                var blank = inner.IndexOfAnyExcept(" \t"u8) < 0;
                var innerIndent = inner.Length - inner.TrimStart((byte)' ').Length;
                var containerEnded = !blank && (quotes < fenceQuotes || innerIndent < fenceContent);
                if (!containerEnded)
                {
                    if (IsClosingFence(inner[Math.Min(innerIndent, fenceContent)..], fenceChar, fenceLength))
                        fenceChar = 0;
                    continue;
                }
                fenceChar = 0; // the quote or list item ended, and the fence with it: read the line as usual
            }
            if (inComment)
            {
                inComment = line.IndexOf("-->"u8) < 0;
                continue;
            }

            // Containers: a fence may open after block-quote markers and list-item markers.
            var quoted = StripQuotes(line, int.MaxValue, out var quoteCount);
            var item = StripListMarkers(quoted, out var itemContent);
            if (quoteCount > 0 || itemContent >= 0)
            {
                if (OpensFence(item, ref fenceChar, ref fenceLength))
                {
                    (fenceQuotes, fenceContent) = (quoteCount, Math.Max(itemContent, 0));
                    if (quoteCount == 0) listContent = itemContent;
                    continue;
                }
                if (quoteCount > 0)
                    continue; // nothing inside a quote is a section boundary
                listContent = itemContent;
            }
            else if (listContent > 0 && line.IndexOfAnyExcept(" \t"u8) >= 0)
            {
                var lineIndent = line.Length - line.TrimStart((byte)' ').Length;
                if (lineIndent >= listContent)
                {
                    // A line of the open list item: a fence there is indented relative to the item's content.
                    if (OpensFence(line[listContent..], ref fenceChar, ref fenceLength))
                    {
                        (fenceQuotes, fenceContent) = (0, listContent);
                        continue;
                    }
                }
                else
                {
                    listContent = -1;
                }
            }

            var indent = 0;
            while (indent < line.Length && indent < 4 && line[indent] == (byte)' ')
                indent++;
            if (indent < 4 && indent < line.Length)
            {
                switch (line[indent])
                {
                    case (byte)'#':
                        if (TryHeading(line[indent..], out var level, out var title))
                            events.Add(new Event(Mark.Heading, lineStart, next, level, "", title));
                        continue;
                    case (byte)'`' or (byte)'~':
                        if (TryOpeningFence(line[indent..], out fenceChar, out fenceLength))
                            continue;
                        break;
                    case (byte)'<' when line[indent..].StartsWith("<!--"u8):
                        inComment = line[(indent + 4)..].IndexOf("-->"u8) < 0;
                        continue;
                }
            }

            // Most lines are prose: only one whose first non-blank character is '<' can be a tag line.
            var first = line.IndexOfAnyExcept(" \t"u8);
            if (first >= 0 && line[first] == (byte)'<' && TryTag(Lines.TrimSpaces(line[first..]), out var close, out var name, out var tagTitle))
                events.Add(new Event(close ? Mark.Close : Mark.Open, lineStart, next, 0, name, tagTitle));
        }
        return events;
    }

    /// <summary>An ATX heading: 1–6 '#', then a space, a tab or the end of the line; an optional closing run of '#' is dropped.</summary>
    internal static bool TryHeading(ReadOnlySpan<byte> line, out int level, out string title)
    {
        level = 0;
        title = "";
        while (level < line.Length && line[level] == (byte)'#')
            level++;
        if (level is 0 or > 6 || (level < line.Length && !Lines.IsSpaceOrTab(line[level])))
            return false;

        var text = Lines.TrimSpaces(line[level..]);
        var hashes = text.Length - text.TrimEnd("#"u8).Length;
        if (hashes == text.Length)
            text = default;
        else if (hashes > 0 && Lines.IsSpaceOrTab(text[^(hashes + 1)]))
            text = Lines.TrimSpaces(text[..^hashes]);
        title = SectionBuilder.Decode(text);
        return true;
    }

    /// <summary>A fence opening on this (container-stripped) line, indented at most 3 spaces.</summary>
    private static bool OpensFence(ReadOnlySpan<byte> line, ref byte fenceChar, ref int fenceLength)
    {
        var indent = line.Length - line.TrimStart((byte)' ').Length;
        if (indent > 3 || indent >= line.Length || line[indent] is not ((byte)'`' or (byte)'~'))
            return false;
        if (!TryOpeningFence(line[indent..], out var c, out var n))
            return false;
        (fenceChar, fenceLength) = (c, n);
        return true;
    }

    /// <summary>Strips up to <paramref name="max"/> block-quote markers (<c>&gt;</c>, up to 3 spaces before, one optional space after).</summary>
    private static ReadOnlySpan<byte> StripQuotes(ReadOnlySpan<byte> line, int max, out int count)
    {
        count = 0;
        while (count < max)
        {
            var indent = line.Length - line.TrimStart((byte)' ').Length;
            if (indent > 3 || indent >= line.Length || line[indent] != (byte)'>')
                break;
            line = line[(indent + 1)..];
            if (!line.IsEmpty && line[0] is (byte)' ' or (byte)'\t')
                line = line[1..];
            count++;
        }
        return line;
    }

    /// <summary>
    /// Strips list-item markers (<c>-</c>, <c>*</c>, <c>+</c>, <c>1.</c>, <c>1)</c>, nested ones too) and returns what
    /// follows; <paramref name="content"/> is the column where the innermost item's content starts, or -1 when the line
    /// is not a list item.
    /// </summary>
    private static ReadOnlySpan<byte> StripListMarkers(ReadOnlySpan<byte> line, out int content)
    {
        content = -1;
        var at = 0;
        while (true)
        {
            var indent = 0;
            while (at + indent < line.Length && line[at + indent] == (byte)' ')
                indent++;
            if (indent > 3 && content < 0)
                break;
            var marker = at + indent;
            var m = marker;
            if (m < line.Length && line[m] is (byte)'-' or (byte)'*' or (byte)'+')
                m++;
            else
            {
                while (m < line.Length && m - marker < 9 && char.IsAsciiDigit((char)line[m]))
                    m++;
                if (m == marker || m >= line.Length || line[m] is not ((byte)'.' or (byte)')'))
                    break;
                m++;
            }
            if (m >= line.Length || line[m] is not ((byte)' ' or (byte)'\t'))
                break;
            var spaces = 0;
            while (m + spaces < line.Length && line[m + spaces] == (byte)' ' && spaces < 5)
                spaces++;
            // Five or more spaces after the marker: the content starts one space after it (the rest is indented code).
            at = m + (spaces is 0 or >= 5 ? 1 : spaces);
            content = at;
        }
        return content < 0 ? line : line[at..];
    }

    private static bool TryOpeningFence(ReadOnlySpan<byte> line, out byte fenceChar, out int length)
    {
        fenceChar = line[0];
        length = line.Length - line.TrimStart(fenceChar).Length;
        // A backtick fence's info string cannot hold a backtick (that line is inline code, not a fence).
        if (length >= 3 && (fenceChar == (byte)'~' || line[length..].IndexOf((byte)'`') < 0))
            return true;
        fenceChar = 0;
        length = 0;
        return false;
    }

    private static bool IsClosingFence(ReadOnlySpan<byte> line, byte fenceChar, int length)
    {
        var indent = line.Length - line.TrimStart((byte)' ').Length;
        if (indent > 3)
            return false;
        var rest = line[indent..];
        var run = rest.Length - rest.TrimStart(fenceChar).Length;
        return run >= length && rest[run..].IndexOfAnyExcept(" \t"u8) < 0;
    }

    /// <summary>A line that is one XML-style tag: &lt;name attr="..."&gt; or &lt;/name&gt; (self-closing tags do not count).</summary>
    internal static bool TryTag(ReadOnlySpan<byte> t, out bool close, out string name, out string title)
    {
        close = false;
        name = title = "";
        if (t.Length < 3 || t[0] != (byte)'<' || t[^1] != (byte)'>' || t[1..^1].IndexOfAny((byte)'<', (byte)'>') >= 0)
            return false;
        var inner = t[1..^1];
        if (inner[0] == (byte)'/')
        {
            close = true;
            inner = inner[1..].TrimEnd(" \t"u8);
        }
        var n = 0;
        if (inner.IsEmpty || !char.IsAsciiLetter((char)inner[0]))
            return false;
        while (n < inner.Length && (char.IsAsciiLetterOrDigit((char)inner[n]) || inner[n] is (byte)'_' or (byte)'-' or (byte)'.' or (byte)':'))
            n++;
        if (n < inner.Length && (close || !Lines.IsSpaceOrTab(inner[n]) || inner[^1] == (byte)'/'))
            return false;
        name = SectionBuilder.Decode(inner[..n]);
        title = close ? name : SectionBuilder.Decode(Lines.TrimSpaces(inner));
        return true;
    }
}
