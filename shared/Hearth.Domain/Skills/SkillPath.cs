using System.Text;

namespace Hearth.Skills;

/// <summary>A library path that cannot be normalised (empty, absolute, escaping with <c>..</c>, control characters, too long).</summary>
public sealed class InvalidSkillPathException(string path, string reason)
    : Exception($"'{Printable(path)}' is not a valid library path: {reason}.")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;

    private static string Printable(string path) =>
        new(path.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

/// <summary>
/// Library paths. A file's path is relative to the library root and normalised so that one file has one spelling:
/// backslashes become <c>/</c>; <c>.</c> segments and repeated slashes are dropped; the text is Unicode NFC (a folder
/// pushed from macOS, which stores NFD names, lands on the same paths as from Linux); case is kept and significant.
/// Refused: empty paths, absolute paths (<c>/x</c>, <c>C:\x</c>, <c>//server</c>), any <c>..</c> segment, a trailing
/// slash, control characters, more than 1,024 UTF-8 bytes, or a segment over 255 bytes.
/// </summary>
public static class SkillPath
{
    public const int MaxBytes = 1024;
    public const int MaxSegmentBytes = 255;

    /// <summary>
    /// False when the process runs with invariant globalization (no ICU): <see cref="string.Normalize()"/> then returns
    /// its input unchanged, so NFD and NFC spellings of a path stay different files. Shown in the host's status.
    /// </summary>
    public static bool NormalizesUnicode { get; } = "e\u0301".Normalize(NormalizationForm.FormC).Length == 1;

    /// <summary>The normalised path; throws <see cref="InvalidSkillPathException"/> with the reason.</summary>
    public static string Normalize(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidSkillPathException(path ?? "", "it is empty");
        if (path.AsSpan().ContainsAnyInRange('\0', '\u001f') || path.Contains('\u007f'))
            throw new InvalidSkillPathException(path, "it contains control characters");
        string text;
        try
        {
            text = path.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            throw new InvalidSkillPathException(path, "it is not valid Unicode");
        }
        text = text.Replace('\\', '/');
        if (text.StartsWith('/')) throw new InvalidSkillPathException(path, "it is absolute; give a path relative to the library root");
        if (text.Length >= 2 && char.IsAsciiLetter(text[0]) && text[1] == ':')
            throw new InvalidSkillPathException(path, "it starts with a drive letter; give a path relative to the library root");
        if (text.EndsWith('/')) throw new InvalidSkillPathException(path, "it names a folder, not a file");

        var segments = new List<string>();
        foreach (var segment in text.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..") throw new InvalidSkillPathException(path, "'..' segments are not allowed");
            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
                throw new InvalidSkillPathException(path, $"a segment is longer than {MaxSegmentBytes} bytes");
            segments.Add(segment);
        }
        if (segments.Count == 0) throw new InvalidSkillPathException(path, "it has no file name");
        var normalized = string.Join('/', segments);
        if (Encoding.UTF8.GetByteCount(normalized) > MaxBytes)
            throw new InvalidSkillPathException(path, $"it is longer than {MaxBytes} bytes");
        return normalized;
    }

    /// <summary>True and the normalised path when <paramref name="path"/> is valid; false and the reason otherwise.</summary>
    public static bool TryNormalize(string? path, out string normalized, out string reason)
    {
        try
        {
            normalized = Normalize(path);
            reason = "";
            return true;
        }
        catch (InvalidSkillPathException e)
        {
            normalized = "";
            reason = e.Message;
            return false;
        }
    }

    /// <summary>The file name (last segment) of a normalised path.</summary>
    public static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
