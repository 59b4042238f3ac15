using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Hearth.Skills.Ingest;

/// <summary>How an upload's body is encoded.</summary>
public enum SkillUploadFormat
{
    /// <summary><c>application/x-tar</c></summary>
    Tar,
    /// <summary><c>application/gzip</c>: a gzip-compressed tar (.tar.gz, .tgz).</summary>
    TarGzip,
    /// <summary><c>application/zip</c></summary>
    Zip,
    /// <summary><c>application/json</c>: <c>{ "files": [ { "path", "content" | "contentBase64" } ] }</c>.</summary>
    Json,
}

/// <summary>What one upload may hold; over any of them the upload is refused as too large.</summary>
/// <param name="MaxFiles">Files in one upload.</param>
/// <param name="MaxTotalBytes">Uncompressed bytes of all files together.</param>
/// <param name="MaxFileBytes">Bytes of any one file.</param>
public sealed record SkillUploadLimits(int MaxFiles, long MaxTotalBytes, int MaxFileBytes);

/// <summary>One file of an upload: its normalised library path and exact bytes.</summary>
public sealed record UploadedFile(string Path, byte[] Content);

/// <summary>An upload that cannot be ingested: malformed, unsafe, or (<see cref="TooLarge"/>) over a limit.</summary>
public sealed class SkillUploadException(string message, bool tooLarge = false) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// Reads the files of an upload — tar, tar.gz, zip or a JSON batch — streaming, with limits and path checks: every
/// entry's name must be a valid library path (no absolute paths, no <c>..</c>), links and device entries are refused,
/// directories are skipped, two entries may not name the same path, and the file count, per-file size and total size
/// are enforced while decompressing (a zip bomb stops at the limit, not at the end of memory).
/// </summary>
public static class SkillUploadReader
{
    /// <summary>The format a media type names, or null when it is not one the ingest accepts.</summary>
    public static SkillUploadFormat? FormatOf(string? mediaType) => mediaType?.Split(';')[0].Trim().ToLowerInvariant() switch
    {
        "application/x-tar" or "application/tar" => SkillUploadFormat.Tar,
        "application/gzip" or "application/x-gzip" or "application/x-gtar" or "application/x-compressed-tar" => SkillUploadFormat.TarGzip,
        "application/zip" or "application/x-zip-compressed" => SkillUploadFormat.Zip,
        "application/json" => SkillUploadFormat.Json,
        _ => null,
    };

    public static async Task<IReadOnlyList<UploadedFile>> ReadAsync(Stream body, SkillUploadFormat format, SkillUploadLimits limits, CancellationToken ct)
    {
        var files = new Collector(limits);
        try
        {
            switch (format)
            {
                case SkillUploadFormat.Tar:
                    await ReadTarAsync(body, files, ct);
                    break;
                case SkillUploadFormat.TarGzip:
                    await using (var gzip = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true))
                        await ReadTarAsync(gzip, files, ct);
                    break;
                case SkillUploadFormat.Zip:
                    await ReadZipAsync(body, files, ct);
                    break;
                case SkillUploadFormat.Json:
                    await ReadJsonAsync(body, files, ct);
                    break;
            }
        }
        catch (InvalidDataException e)
        {
            throw new SkillUploadException($"The body is not a valid {Describe(format)}: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            throw new SkillUploadException($"The body is not a valid {Describe(format)}: it ends in the middle of an entry.");
        }
        if (files.Files.Count == 0) throw new SkillUploadException($"The {Describe(format)} holds no files.");
        return files.Files;
    }

    private static string Describe(SkillUploadFormat format) => format switch
    {
        SkillUploadFormat.Tar => "tar archive",
        SkillUploadFormat.TarGzip => "gzip-compressed tar archive",
        SkillUploadFormat.Zip => "zip archive",
        _ => "JSON batch",
    };

    private static async Task ReadTarAsync(Stream stream, Collector files, CancellationToken ct)
    {
        await using var reader = new TarReader(stream, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            switch (entry.EntryType)
            {
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    var content = await files.ReadEntryAsync(entry.Name, entry.DataStream, entry.Length, ct);
                    files.Add(entry.Name, content);
                    break;
                case TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    break;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    throw new SkillUploadException($"'{entry.Name}' is a link; links are not accepted (upload the file itself).");
                default:
                    throw new SkillUploadException($"'{entry.Name}' is a {entry.EntryType} entry; only regular files and folders are accepted.");
            }
        }
    }

    private static async Task ReadZipAsync(Stream body, Collector files, CancellationToken ct)
    {
        // A zip's directory is at its end: the body (already capped by the request limit) is buffered to read it.
        Stream seekable = body;
        if (!body.CanSeek)
        {
            var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, ct);
            buffer.Position = 0;
            seekable = buffer;
        }
        await using var archive = await ZipArchive.CreateAsync(seekable, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: Encoding.UTF8, ct);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\')) continue; // a folder
            const int FileTypeMask = 0xF000, SymbolicLink = 0xA000, RegularFile = 0x8000;
            var unixType = (entry.ExternalAttributes >> 16) & FileTypeMask;
            if (unixType == SymbolicLink)
                throw new SkillUploadException($"'{entry.FullName}' is a link; links are not accepted (upload the file itself).");
            if (unixType != 0 && unixType != RegularFile)
                throw new SkillUploadException($"'{entry.FullName}' is not a regular file.");
            if (entry.IsEncrypted) throw new SkillUploadException($"'{entry.FullName}' is encrypted; upload it unencrypted.");
            await using var data = await entry.OpenAsync(ct);
            files.Add(entry.FullName, await files.ReadEntryAsync(entry.FullName, data, entry.Length, ct));
        }
    }

    private static async Task ReadJsonAsync(Stream body, Collector files, CancellationToken ct)
    {
        JsonBatch? batch;
        try
        {
            batch = await JsonSerializer.DeserializeAsync<JsonBatch>(body, JsonOptions, ct);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
            throw new SkillUploadException($"The body is not a valid JSON batch{where}; send {{ \"files\": [ {{ \"path\": \"...\", \"content\": \"...\" }} ] }}.");
        }
        if (batch?.Files is null) throw new SkillUploadException("The JSON batch needs a \"files\" array.");
        for (var i = 0; i < batch.Files.Count; i++)
        {
            var file = batch.Files[i] ?? throw new SkillUploadException($"files[{i}] is null.");
            if (file.Path is null) throw new SkillUploadException($"files[{i}] has no \"path\".");
            if ((file.Content is null) == (file.ContentBase64 is null))
                throw new SkillUploadException($"files[{i}] ('{file.Path}') needs exactly one of \"content\" (text, stored as UTF-8) and \"contentBase64\" (exact bytes).");
            byte[] bytes;
            if (file.Content is not null) bytes = Encoding.UTF8.GetBytes(file.Content);
            else
            {
                try { bytes = Convert.FromBase64String(file.ContentBase64!); }
                catch (FormatException) { throw new SkillUploadException($"files[{i}] ('{file.Path}'): contentBase64 is not valid base64."); }
            }
            files.Add(file.Path, files.Check(file.Path, bytes));
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private sealed record JsonBatch(List<JsonFile?>? Files);

    private sealed record JsonFile(string? Path, string? Content, string? ContentBase64);

    /// <summary>Accumulates files and enforces the limits and the path rules as entries arrive.</summary>
    private sealed class Collector(SkillUploadLimits limits)
    {
        private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
        private long _total;

        public List<UploadedFile> Files { get; } = [];

        public void Add(string name, byte[] content)
        {
            string path;
            try
            {
                path = SkillPath.Normalize(name);
            }
            catch (InvalidSkillPathException e)
            {
                throw new SkillUploadException(e.Message);
            }
            if (!_paths.Add(path)) throw new SkillUploadException($"'{path}' appears twice in the upload.");
            if (Files.Count >= limits.MaxFiles)
                throw new SkillUploadException($"The upload holds more than {limits.MaxFiles} files; split it into several.", tooLarge: true);
            Files.Add(new UploadedFile(path, content));
        }

        public byte[] Check(string name, byte[] content)
        {
            if (content.Length > limits.MaxFileBytes)
                throw new SkillUploadException($"'{name}' is larger than {limits.MaxFileBytes} bytes.", tooLarge: true);
            _total += content.Length;
            if (_total > limits.MaxTotalBytes)
                throw new SkillUploadException($"The files add up to more than {limits.MaxTotalBytes} bytes; split the upload.", tooLarge: true);
            return content;
        }

        /// <summary>Reads an entry's data, stopping as soon as it passes the per-file or total limit (whatever its header claims).</summary>
        public async Task<byte[]> ReadEntryAsync(string name, Stream? data, long declared, CancellationToken ct)
        {
            if (declared > limits.MaxFileBytes)
                throw new SkillUploadException($"'{name}' is larger than {limits.MaxFileBytes} bytes.", tooLarge: true);
            if (data is null) return Check(name, []);
            var buffer = new MemoryStream(declared > 0 ? (int)declared : 256);
            var chunk = new byte[81920];
            int read;
            while ((read = await data.ReadAsync(chunk, ct)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limits.MaxFileBytes)
                    throw new SkillUploadException($"'{name}' is larger than {limits.MaxFileBytes} bytes.", tooLarge: true);
            }
            return Check(name, buffer.ToArray());
        }
    }
}
