using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Hearth.Cli.Skills;

/// <summary>One file of a local library folder: its library path, full path, size and SHA-256.</summary>
public sealed record LocalFile(string Path, string FullPath, long Size, string Sha256);

/// <summary>A file a push did not upload, and why (unreadable, too large, refused by the API).</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>What a scan found: the files to push, the files it could not read, and what it left out by design (links).</summary>
public sealed record LocalScan(List<LocalFile> Files, List<SkippedFile> Skipped, List<string> LeftOut);

/// <summary>Walks a local library folder and packs files for upload.</summary>
public static class LocalLibrary
{
    /// <summary>Folders never pushed (version control, dependencies, caches).</summary>
    public static readonly IReadOnlySet<string> SkippedFolders = new HashSet<string>(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".mypy_cache", ".pytest_cache",
    };

    private static readonly IReadOnlySet<string> SkippedFiles = new HashSet<string>(StringComparer.Ordinal) { ".DS_Store", "Thumbs.db" };

    /// <summary>
    /// The files under <paramref name="root"/>, with library paths under <paramref name="prefix"/>. Links are left out
    /// (never followed); a file that cannot be read is skipped with the reason, and the scan goes on.
    /// </summary>
    public static LocalScan Scan(string root, string? prefix)
    {
        var files = new List<LocalFile>();
        var skipped = new List<SkippedFile>();
        var leftOut = new List<string>();
        var folder = new DirectoryInfo(root);
        if (!folder.Exists) throw new DirectoryNotFoundException($"{root} is not a folder.");
        var pre = string.IsNullOrWhiteSpace(prefix) ? "" : prefix.Trim('/') + "/";
        Walk(folder, "");
        return new LocalScan(files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(), skipped, leftOut);

        void Walk(DirectoryInfo directory, string relative)
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = directory.EnumerateFileSystemInfos().ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(pre + relative.TrimEnd('/'), $"unreadable folder: {e.Message}"));
                return;
            }
            foreach (var entry in entries)
            {
                var path = relative + entry.Name;
                if (entry.LinkTarget is not null)
                {
                    leftOut.Add($"{path} (a link)");
                    continue;
                }
                if (entry is DirectoryInfo sub)
                {
                    if (!SkippedFolders.Contains(entry.Name)) Walk(sub, path + "/");
                    continue;
                }
                if (SkippedFiles.Contains(entry.Name)) continue;
                var file = (FileInfo)entry;
                try
                {
                    files.Add(new LocalFile(pre + path, file.FullName, file.Length, Hash(file.FullName)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    skipped.Add(new SkippedFile(pre + path, $"unreadable: {e.Message}"));
                }
            }
        }
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Groups files into upload batches of at most <paramref name="maxFiles"/> files and about <paramref name="maxBytes"/> bytes.</summary>
    public static List<List<LocalFile>> Batches(IEnumerable<LocalFile> files, int maxFiles, long maxBytes)
    {
        var batches = new List<List<LocalFile>>();
        var current = new List<LocalFile>();
        long bytes = 0;
        foreach (var file in files)
        {
            if (current.Count > 0 && (current.Count >= maxFiles || bytes + file.Size > maxBytes))
            {
                batches.Add(current);
                current = [];
                bytes = 0;
            }
            current.Add(file);
            bytes += file.Size;
        }
        if (current.Count > 0) batches.Add(current);
        return batches;
    }

    /// <summary>
    /// A gzip-compressed tar of the files under their library paths, read from disk byte for byte. A file that can no
    /// longer be read (removed or locked since the scan) is left out and added to <paramref name="skipped"/>.
    /// </summary>
    public static async Task<(byte[] Body, List<LocalFile> Packed)> TarGzAsync(IReadOnlyList<LocalFile> files, List<SkippedFile> skipped, CancellationToken ct)
    {
        using var output = new MemoryStream();
        var packed = new List<LocalFile>(files.Count);
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(file.FullPath, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    skipped.Add(new SkippedFile(file.Path, $"unreadable: {e.Message}"));
                    continue;
                }
                using var data = new MemoryStream(bytes, writable: false);
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, file.Path) { DataStream = data }, ct);
                packed.Add(file);
            }
        }
        return (output.ToArray(), packed);
    }
}
