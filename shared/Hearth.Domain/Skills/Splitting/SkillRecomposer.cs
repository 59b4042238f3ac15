namespace Hearth.Skills.Splitting;

/// <summary>The recomposed bytes do not match the file's SHA-256: a section is missing, out of order or altered.</summary>
public sealed class SectionIntegrityException(string message) : Exception(message);

/// <summary>Puts sections back together into the original file, and proves it with the file's SHA-256.</summary>
public static class SkillRecomposer
{
    /// <summary>Recomposes a split file; throws <see cref="SectionIntegrityException"/> if the bytes do not hash to <see cref="SplitResult.Sha256"/>.</summary>
    public static byte[] Recompose(SplitResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Recompose(result.Sections, result.Sha256);
    }

    /// <summary>
    /// Recomposes sections (in order, as split) and checks the file hash <paramref name="expectedSha256"/>. The sections
    /// must tile from offset 0 with no gap or overlap, else <see cref="SectionIntegrityException"/> names the first one out of place.
    /// </summary>
    public static byte[] Recompose(IReadOnlyList<SkillSection> sections, string expectedSha256)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentException.ThrowIfNullOrEmpty(expectedSha256);
        var offset = 0;
        for (var i = 0; i < sections.Count; i++)
        {
            var section = sections[i];
            if (section.Offset != offset || section.Content.Length != section.Length)
                throw new SectionIntegrityException(
                    $"Section {i} ('{section.Key}') starts at byte {section.Offset} with {section.Content.Length} of {section.Length} bytes; expected it at byte {offset}. A section is missing or out of order.");
            offset += section.Length;
        }
        var bytes = new byte[offset];
        foreach (var section in sections)
            section.Content.Span.CopyTo(bytes.AsSpan(section.Offset));
        Verify(bytes, sections.Count, expectedSha256, culprit: null);
        return bytes;
    }

    /// <summary>
    /// Recomposes stored section contents (in order) and checks the file hash <paramref name="expectedSha256"/>.
    /// Pass the sections' stored hashes in <paramref name="sectionSha256"/> to have a mismatch name the altered section.
    /// </summary>
    public static byte[] Recompose(IReadOnlyList<ReadOnlyMemory<byte>> contents, string expectedSha256, IReadOnlyList<string>? sectionSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentException.ThrowIfNullOrEmpty(expectedSha256);
        if (sectionSha256 is not null && sectionSha256.Count != contents.Count)
            throw new ArgumentException($"{sectionSha256.Count} section hashes for {contents.Count} sections.", nameof(sectionSha256));

        var length = 0L;
        foreach (var c in contents)
            length += c.Length;
        if (length > Array.MaxLength)
            throw new SectionIntegrityException($"The sections add up to {length} bytes, more than a file can hold.");
        var bytes = new byte[length];
        var at = 0;
        foreach (var c in contents)
        {
            c.Span.CopyTo(bytes.AsSpan(at));
            at += c.Length;
        }
        Verify(bytes, contents.Count, expectedSha256, () =>
        {
            for (var i = 0; sectionSha256 is not null && i < contents.Count; i++)
            {
                if (!string.Equals(SkillSplitter.Sha256Hex(contents[i].Span), sectionSha256[i], StringComparison.OrdinalIgnoreCase))
                    return $" Section {i} does not match its own SHA-256.";
            }
            return "";
        });
        return bytes;
    }

    private static void Verify(byte[] bytes, int sections, string expectedSha256, Func<string>? culprit)
    {
        var actual = SkillSplitter.Sha256Hex(bytes);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new SectionIntegrityException(
                $"Recomposed {bytes.Length} bytes from {sections} sections hash to {actual}, but the file's SHA-256 is {expectedSha256}.{culprit?.Invoke()}");
    }
}
