using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Media;

/// <summary>
/// <see cref="IMediaStore"/> on a local folder (an Azure Files mount in the cloud), metadata in <c>media.items</c>.
/// A write goes to a temporary file, is flushed to disk, then renamed into place, and only then recorded: a crash
/// leaves at worst an unreferenced file, never a row without its bytes. Files live at <c>{root}/{xy}/{id}</c>, where
/// <c>xy</c> is the last two characters of the id (its random part) so folders stay small.
/// </summary>
public sealed partial class LocalMediaStore(NpgsqlDataSource db, IOptions<MediaOptions> options, TimeProvider time, ILogger<LocalMediaStore> logger) : IMediaStore
{
    private const int BufferSize = 81920;
    private readonly MediaOptions _options = options.Value.Validate();
    private string Root => Path.GetFullPath(_options.Root!);

    /// <summary>True for strings shaped like our ids (32 lowercase hex), the only ones ever turned into a path.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public async Task<MediaItem> PutAsync(Guid owner, Stream content, string? contentType, CancellationToken ct)
    {
        ValidateOwner(owner);
        ArgumentNullException.ThrowIfNull(content);
        var declared = MediaTypes.Normalize(contentType);
        if (declared is not null && !MediaTypes.Allowed.Contains(declared))
            throw new MediaRejectedException($"Pictures must be PNG, JPEG, WebP or GIF; '{declared}' is not accepted.");

        var tempDirectory = Path.Combine(Root, ".tmp");
        Directory.CreateDirectory(tempDirectory);
        var tempPath = Path.Combine(tempDirectory, Guid.NewGuid().ToString("N") + ".part");
        string? finalPath = null;
        try
        {
            var (size, sha256, sniffed) = await WriteTempAsync(content, tempPath, ct);
            if (size == 0) throw new MediaRejectedException("The picture is empty.");
            if (sniffed is null) throw new MediaRejectedException("The bytes are not a PNG, JPEG, WebP or GIF picture.");
            if (declared is not null && declared != sniffed)
                throw new MediaRejectedException($"The picture was declared {MediaTypes.Describe(declared)} but its bytes are {MediaTypes.Describe(sniffed)}.");

            var id = Guid.CreateVersion7().ToString("N");
            finalPath = PathOf(id);
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            File.Move(tempPath, finalPath);

            var item = new MediaItem(id, owner, sniffed, size, sha256, time.GetUtcNow());
            await using var command = db.CreateCommand("""
                insert into media.items (id, owner_id, content_type, size_bytes, sha256, created_at)
                values ($1, $2, $3, $4, $5, $6)
                """);
            command.Parameters.Add(new() { Value = item.Id });
            command.Parameters.Add(new() { Value = item.Owner });
            command.Parameters.Add(new() { Value = item.ContentType });
            command.Parameters.Add(new() { Value = item.Size });
            command.Parameters.Add(new() { Value = item.Sha256 });
            command.Parameters.Add(new() { Value = item.CreatedAt });
            await command.ExecuteNonQueryAsync(ct);
            finalPath = null; // recorded: the file stays
            logger.LogInformation("Stored media {MediaId} ({ContentType}, {Size} bytes) for {Owner}", item.Id, item.ContentType, item.Size, owner);
            return item;
        }
        finally
        {
            TryDelete(tempPath);
            if (finalPath is not null) TryDelete(finalPath);
        }
    }

    public async Task<MediaItem?> FindAsync(string id, CancellationToken ct)
    {
        if (!IsValidId(id)) return null;
        await using var command = db.CreateCommand("""
            select id, owner_id, content_type, size_bytes, sha256, created_at
            from media.items
            where id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new MediaItem(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5));
    }

    public async Task<MediaContent?> OpenAsync(string id, CancellationToken ct)
    {
        var item = await FindAsync(id, ct);
        return item is null ? null : Open(item);
    }

    public async Task<MediaContent?> OpenOwnedAsync(string id, Guid owner, CancellationToken ct)
    {
        var item = await FindAsync(id, ct);
        return item is null || item.Owner != owner ? null : Open(item);
    }

    public async Task<bool> DeleteAsync(string id, Guid owner, CancellationToken ct)
    {
        if (!IsValidId(id)) return false;
        await using var command = db.CreateCommand("delete from media.items where id = $1 and owner_id = $2");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = owner });
        if (await command.ExecuteNonQueryAsync(ct) == 0) return false;
        // The row is gone first: a failure here leaves an unreferenced file, never a row pointing at nothing.
        TryDelete(PathOf(id));
        logger.LogInformation("Deleted media {MediaId} of {Owner}", id, owner);
        return true;
    }

    public async Task<int> DeleteAllAsync(Guid owner, CancellationToken ct)
    {
        var deleted = new List<string>();
        await using (var command = db.CreateCommand("delete from media.items where owner_id = $1 returning id"))
        {
            command.Parameters.Add(new() { Value = owner });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) deleted.Add(reader.GetString(0));
        }
        // Rows first, files after (as DeleteAsync): a failure leaves unreferenced files, never rows pointing at nothing.
        foreach (var id in deleted) TryDelete(PathOf(id));
        if (deleted.Count > 0) logger.LogInformation("Deleted {Count} media items of {Owner}", deleted.Count, owner);
        return deleted.Count;
    }

    private MediaContent? Open(MediaItem item)
    {
        try
        {
            var stream = new FileStream(PathOf(item.Id), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new MediaContent(item, stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            logger.LogWarning("Media {MediaId} is recorded but its file is missing under {Root}", item.Id, Root);
            return null;
        }
    }

    private async Task<(long Size, string Sha256, string? Sniffed)> WriteTempAsync(Stream content, string tempPath, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        var head = new byte[MediaTypes.SniffLength];
        var headLength = 0;
        long size = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                if (size > _options.MaxBytes)
                    throw new MediaRejectedException($"The picture is larger than the {_options.MaxBytes} bytes allowed (Media:MaxBytes).");
                if (headLength < head.Length)
                {
                    var take = Math.Min(read, head.Length - headLength);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                    headLength += take;
                }
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true); // fsync before the rename makes the bytes durable under their final name
        }
        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()), MediaTypes.Sniff(head.AsSpan(0, headLength)));
    }

    private string PathOf(string id) => Path.Combine(Root, id[^2..], id);

    private static void ValidateOwner(Guid owner)
    {
        if (owner == Guid.Empty) throw new ArgumentException("A picture needs an owner.", nameof(owner));
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete {Path}", path);
        }
    }

    [GeneratedRegex("^[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
