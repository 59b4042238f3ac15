using System.Numerics.Tensors;
using Hearth.Embeddings;
using Microsoft.Extensions.AI;

namespace Hearth.Search.Tests;

public sealed class HashingEmbedderTests
{
    private readonly HashingEmbeddingGenerator _embedder = new();

    private float Similarity(string a, string b) => TensorPrimitives.CosineSimilarity(_embedder.Embed(a), _embedder.Embed(b));

    [Fact]
    public async Task Same_text_gives_the_same_unit_vector_every_time()
    {
        var first = await _embedder.GenerateAsync(["The cat sat on the mat.", "Another text"]);
        var second = await new HashingEmbeddingGenerator().GenerateAsync(["The cat sat on the mat.", "Another text"]);

        Assert.Equal(2, first.Count);
        Assert.Equal(384, first[0].Vector.Length);
        Assert.True(first[0].Vector.Span.SequenceEqual(second[0].Vector.Span));
        Assert.False(first[0].Vector.Span.SequenceEqual(first[1].Vector.Span));
        Assert.Equal(1f, TensorPrimitives.Norm(first[0].Vector.Span), 5);
        Assert.Equal(HashingEmbeddingGenerator.ModelId, first[0].ModelId);
    }

    [Fact]
    public void The_vector_is_pinned_so_a_change_of_hashing_is_noticed()
    {
        // Collections store these vectors: if this changes, the model id must change too (hearth-hashing-v2).
        var vector = new HashingEmbeddingGenerator(16).Embed("hello world");
        Assert.Equal(Pinned, vector.Select(v => MathF.Round(v, 4)).ToArray());
    }

    private static readonly float[] Pinned =
        [-0.2513f, 0f, 0.2513f, -0.2513f, 0f, 0f, 0f, 0.2513f, 0f, 0f, -0.2513f, 0.7035f, 0.2513f, -0.2513f, 0f, -0.2513f];

    [Fact]
    public void Related_sentences_score_higher_than_unrelated_ones()
    {
        const string anchor = "How do I reset my router password?";
        var related = Similarity(anchor, "Resetting the password on a wifi router");
        var unrelated = Similarity(anchor, "My grandmother bakes apple pie every Sunday");
        Assert.True(related > unrelated + 0.2, $"related {related}, unrelated {unrelated}");

        // Morphology and typos still share word pieces.
        Assert.True(Similarity("running shoes", "shoes for runners") > Similarity("running shoes", "quarterly tax filing"));
        Assert.True(Similarity("Kubernetes deployment", "kubernetes deploymnet") > 0.5);
    }

    [Fact]
    public void Empty_text_gives_a_zero_vector_and_other_sizes_work()
    {
        Assert.All(_embedder.Embed("the and of"), v => Assert.Equal(0f, v));
        var big = new HashingEmbeddingGenerator(1024);
        Assert.Equal(1024, big.Embed("hello").Length);
        Assert.Equal(1024, big.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HashingEmbeddingGenerator(8));
    }
}
