namespace Hearth.Skills.Splitting;

/// <summary>Line walking over raw bytes: a line ends at LF, CRLF or a lone CR, as CommonMark reads them.</summary>
internal static class Lines
{
    /// <summary>Finds the line starting at <paramref name="start"/>: its content ends at <paramref name="contentEnd"/>, the next line starts at the returned offset.</summary>
    public static int Next(ReadOnlySpan<byte> s, int start, out int contentEnd)
    {
        var i = s[start..].IndexOfAny((byte)'\r', (byte)'\n');
        if (i < 0)
        {
            contentEnd = s.Length;
            return s.Length;
        }
        contentEnd = start + i;
        if (s[contentEnd] == (byte)'\r' && contentEnd + 1 < s.Length && s[contentEnd + 1] == (byte)'\n')
            return contentEnd + 2;
        return contentEnd + 1;
    }

    public static bool IsSpaceOrTab(byte b) => b is (byte)' ' or (byte)'\t';

    public static ReadOnlySpan<byte> TrimSpaces(ReadOnlySpan<byte> s) => s.Trim(" \t"u8);

    /// <summary>True when only spaces or tabs stand between the line start and <paramref name="at"/>.</summary>
    public static bool OnlyIndentBefore(ReadOnlySpan<byte> s, int at, out int lineStart)
    {
        lineStart = at;
        while (lineStart > 0 && IsSpaceOrTab(s[lineStart - 1]))
            lineStart--;
        return lineStart == 0 || s[lineStart - 1] is (byte)'\r' or (byte)'\n';
    }
}
