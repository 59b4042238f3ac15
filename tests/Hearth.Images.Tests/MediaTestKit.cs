using Hearth.Durable.Migrations;
using Hearth.Media;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Images.Tests;

/// <summary>A media store on a fresh database (media migrations applied) and a fresh folder.</summary>
public sealed class MediaTestKit : IAsyncDisposable
{
    private MediaTestKit(NpgsqlDataSource db, MediaOptions options)
    {
        Db = db;
        Options = options;
        Store = new LocalMediaStore(db, Microsoft.Extensions.Options.Options.Create(options), Clock, NullLogger<LocalMediaStore>.Instance);
        Secrets = new PostgresSecretKeyStore(db);
    }

    public NpgsqlDataSource Db { get; }

    public MediaOptions Options { get; }

    public ManualTime Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public LocalMediaStore Store { get; }

    public PostgresSecretKeyStore Secrets { get; }

    public string Root => Options.Root!;

    public static async Task<MediaTestKit> StartAsync(Action<MediaOptions>? configure = null)
    {
        var db = await TestPostgres.CreateDataSourceAsync();
        await Migrator.ApplyAsync(db, [MediaRegistration.Migrations], NullLogger.Instance, CancellationToken.None);
        var options = new MediaOptions { Root = Path.Combine(Path.GetTempPath(), "hearth-media-tests", Guid.NewGuid().ToString("N")) };
        configure?.Invoke(options);
        return new MediaTestKit(db, options);
    }

    public MediaUrls Urls(string? configuredKey = null) =>
        new(Microsoft.Extensions.Options.Options.Create(new MediaOptions { Root = Root, SigningKey = configuredKey }), Secrets, Clock);

    /// <summary>Files under the root, the temporary folder included.</summary>
    public IReadOnlyList<string> Files() =>
        Directory.Exists(Root) ? Directory.GetFiles(Root, "*", SearchOption.AllDirectories) : [];

    public async Task<long> RowCountAsync()
    {
        await using var command = Db.CreateCommand("select count(*) from media.items");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}

/// <summary>Picture bytes of each kind, just long enough to be recognised.</summary>
public static class SampleImages
{
    public static byte[] Png => Hearth.Testing.Fakes.TinyPng.Solid(10, 20, 30);

    public static byte[] Jpeg => [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0xFF, 0xD9];

    public static byte[] Gif => "GIF89a\x01\x00\x01\x00\x00\x00\x00;"u8.ToArray();

    public static byte[] Webp => [.. "RIFF"u8, 0x1A, 0, 0, 0, .. "WEBPVP8L"u8, 0x0D, 0, 0, 0, 0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0x00];

    public static byte[] Svg => "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray();
}
