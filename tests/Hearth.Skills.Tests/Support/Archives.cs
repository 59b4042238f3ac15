using System.Formats.Tar;
using System.IO.Compression;

namespace Hearth.Skills.Tests.Support;

/// <summary>Builds upload bodies: tar, tar.gz and zip archives from (path, bytes) pairs.</summary>
public static class Archives
{
    public static byte[] Tar(IEnumerable<(string Path, byte[] Content)> files, Action<TarWriter>? extra = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content) };
                writer.WriteEntry(entry);
            }
            extra?.Invoke(writer);
        }
        return stream.ToArray();
    }

    public static byte[] TarGz(IEnumerable<(string Path, byte[] Content)> files, Action<TarWriter>? extra = null)
    {
        var tar = Tar(files, extra);
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(tar);
        return stream.ToArray();
    }

    public static byte[] Zip(IEnumerable<(string Path, byte[] Content)> files, Action<ZipArchive>? extra = null)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
                using var data = entry.Open();
                data.Write(content);
            }
            extra?.Invoke(zip);
        }
        return stream.ToArray();
    }
}
