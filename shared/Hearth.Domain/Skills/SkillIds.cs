using System.Security.Cryptography;
using System.Text;

namespace Hearth.Skills;

/// <summary>
/// Stable ids. A file's id is derived from (owner, path) and a section's from (owner, path, section key), so the same
/// file ingested again — by a retried activity, a rescued run or a new push — has the same ids, and a section keeps its
/// id across versions as long as its key survives (see docs/skills.md, "Using keys for stable ids").
/// Ids are 32 lower-case hex characters (128 bits of SHA-256); they are opaque to clients.
/// </summary>
public static class SkillIds
{
    public static string File(string owner, string path) => Hash("file", owner, path, "");

    public static string Section(string owner, string path, string key) => Hash("section", owner, path, key);

    /// <summary>True when <paramref name="id"/> has the shape of an id (so a malformed one is a 404 without a query).</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Hash(string kind, string owner, string path, string key)
    {
        // Separators that cannot occur in any part (owners are ids, paths have no control characters).
        var bytes = Encoding.UTF8.GetBytes($"{kind}\0{owner}\0{path}\0{key}");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
