using System.Runtime.InteropServices;
using System.Text;

namespace Hearth.Skills.Splitting;

/// <summary>
/// Collects section starts in file order and turns them into <see cref="SkillSection"/>s: lengths (each section runs
/// to the next start, so the sections tile the file), line ranges, depths, stable keys and content hashes.
/// </summary>
internal sealed class SectionBuilder(ReadOnlyMemory<byte> content)
{
    private const int MaxTitleChars = 120;
    private readonly List<Start> _starts = new(64);

    private record struct Start(int Offset, SectionKind Kind, string? Title, int? Parent, int HeadingLevel);

    /// <summary>Offset of the last start added, or -1.</summary>
    public int LastOffset => _starts.Count == 0 ? -1 : _starts[^1].Offset;

    /// <summary>
    /// Starts a section at <paramref name="offset"/> and returns its index. The first section always starts at 0:
    /// when the first start is later, a preamble is added before it. A null title is taken from the section's first
    /// non-blank line.
    /// </summary>
    public int Add(int offset, SectionKind kind, string? title, int? parent, int headingLevel = 0)
    {
        if (_starts.Count == 0 && offset > 0)
        {
            // Leading blank lines or a lone BOM are not worth a section of their own: they open the first one.
            if (IsBlank(content.Span[..offset]))
                offset = 0;
            else
                _starts.Add(new Start(0, SectionKind.Preamble, null, null, 0));
        }
        if (offset <= LastOffset || offset >= content.Length)
            throw new InvalidOperationException($"Section start {offset} is not after {LastOffset} and inside {content.Length} bytes.");
        if (parent is { } p && (p < 0 || p >= _starts.Count))
            throw new InvalidOperationException($"Parent {p} does not precede section {_starts.Count}.");
        _starts.Add(new Start(offset, kind, title, parent, headingLevel));
        return _starts.Count - 1;
    }

    public void SetKind(int index, SectionKind kind) => _starts[index] = _starts[index] with { Kind = kind };

    /// <summary>Builds the sections; a non-empty file with no starts becomes one section of <paramref name="wholeKind"/>.</summary>
    public SkillSection[] Build(SectionKind wholeKind)
    {
        var span = content.Span;
        if (span.Length == 0)
            return [];
        if (_starts.Count == 0)
            _starts.Add(new Start(0, wholeKind, null, null, 0));

        var hasCr = span.Contains((byte)'\r');
        var sections = new SkillSection[_starts.Count];
        var ordinals = new Dictionary<(int Parent, SectionKind Kind, string Name), int>(_starts.Count);
        var line = 1;
        for (var i = 0; i < _starts.Count; i++)
        {
            var s = _starts[i];
            var end = i + 1 < _starts.Count ? _starts[i + 1].Offset : span.Length;
            var length = end - s.Offset;
            var bytes = span.Slice(s.Offset, length);

            var startLine = line;
            var endLine = startLine + CountLineEnds(span, s.Offset, length - 1, hasCr);
            line = endLine + (IsLineEnd(span, end - 1) ? 1 : 0);

            var title = Clean(s.Title ?? FirstLine(bytes));
            var (prefix, named) = Prefix(s.Kind);
            var name = named ? Escape(title) : "";
            ref var ordinal = ref CollectionsMarshal.GetValueRefOrAddDefault(ordinals, (s.Parent ?? -1, s.Kind, name), out _);
            ordinal++;
            var parent = s.Parent is { } p ? sections[p] : null;
            var key = string.Concat([parent?.Key, parent is null ? "" : "/", prefix, name, ordinal > 1 ? $"~{ordinal}" : ""]);

            sections[i] = new SkillSection(
                i, key, s.Parent, parent is null ? 0 : parent.Depth + 1, s.HeadingLevel, s.Kind, title,
                s.Offset, length, startLine, endLine, content.Slice(s.Offset, length));
        }
        return sections;
    }

    /// <summary>Line terminators (LF, CRLF counted once at its LF, lone CR) that end within [start, start + count).</summary>
    internal static int CountLineEnds(ReadOnlySpan<byte> span, int start, int count, bool hasCr)
    {
        var range = span.Slice(start, count);
        var n = range.Count((byte)'\n');
        if (!hasCr)
            return n;
        var at = 0;
        while (true)
        {
            var i = range[at..].IndexOf((byte)'\r');
            if (i < 0)
                return n;
            at += i + 1;
            var next = start + at;
            if (next >= span.Length || span[next] != (byte)'\n')
                n++;
        }
    }

    /// <summary>True when the bytes are only whitespace and BOMs.</summary>
    internal static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            switch (bytes[i])
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v':
                    continue;
                case 0xEF when bytes[i..].StartsWith("\uFEFF"u8):
                    i += 2;
                    continue;
                default:
                    return false;
            }
        }
        return true;
    }

    internal static bool IsLineEnd(ReadOnlySpan<byte> span, int at) =>
        span[at] == (byte)'\n' || (span[at] == (byte)'\r' && (at + 1 == span.Length || span[at + 1] != (byte)'\n'));

    /// <summary>The key segment of a kind: a prefix followed by the escaped title for named kinds, the prefix alone for the others.</summary>
    private static (string Prefix, bool Named) Prefix(SectionKind kind) => kind switch
    {
        SectionKind.Frontmatter => ("frontmatter", false),
        SectionKind.Preamble => ("preamble", false),
        SectionKind.Epilogue => ("epilogue", false),
        SectionKind.Body => ("body", false),
        SectionKind.Binary => ("binary", false),
        SectionKind.Text => ("text", false),
        SectionKind.Code => ("code", false),
        SectionKind.Heading => ("h:", true),
        SectionKind.Tag => ("tag:", true),
        SectionKind.Function => ("fn:", true),
        SectionKind.Class => ("class:", true),
        SectionKind.Interface => ("interface:", true),
        SectionKind.TypeAlias => ("type:", true),
        SectionKind.Enum => ("enum:", true),
        SectionKind.Namespace => ("ns:", true),
        SectionKind.JsonKey => ("key:", true),
        SectionKind.Hook => ("hook:", true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Percent-escapes the characters that structure a key ('/', '~', '%') so any title fits in a segment.</summary>
    internal static string Escape(string title)
    {
        if (title.AsSpan().IndexOfAny('/', '~', '%') < 0)
            return title;
        var sb = new StringBuilder(title.Length + 8);
        foreach (var c in title)
        {
            sb.Append(c switch
            {
                '%' => "%25",
                '/' => "%2F",
                '~' => "%7E",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>Display text of the first non-blank line, for sections without a name (code, text, preamble).</summary>
    private static string FirstLine(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var eol = bytes.IndexOfAny((byte)'\r', (byte)'\n');
            var line = (eol < 0 ? bytes : bytes[..eol]).Trim(" \t\f\v"u8);
            if (line.StartsWith("\uFEFF"u8))
                line = line[3..].Trim(" \t"u8);
            if (!line.IsEmpty || eol < 0)
                return Decode(line[..Math.Min(line.Length, MaxTitleChars * 4)]);
            bytes = bytes[(eol + 1)..];
        }
    }

    internal static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>One line of text, at most 120 characters, control characters as spaces.</summary>
    private static string Clean(string title)
    {
        if (title.Length > MaxTitleChars)
            title = title[..(char.IsHighSurrogate(title[MaxTitleChars - 1]) ? MaxTitleChars - 1 : MaxTitleChars)];
        if (!title.AsSpan().ContainsAnyInRange('\0', '\u001f'))
            return title;
        return string.Create(title.Length, title, static (dst, src) =>
        {
            for (var i = 0; i < src.Length; i++)
                dst[i] = src[i] < ' ' ? ' ' : src[i];
        });
    }
}
