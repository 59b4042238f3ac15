using System.Numerics.Tensors;
using Hearth.Adapters.LocalModels;
using Hearth.Embeddings;
using Microsoft.Extensions.AI;

namespace Hearth.Search.Tests;

/// <summary>One loaded model for the tests that need the real one (loading costs ~400 MB and a second).</summary>
public static class SharedModel
{
    private static readonly Lazy<LocalEmbeddingGenerator> Arctic = new(() => new LocalEmbeddingGenerator(EmbeddingOptions.DefaultLocalModel));

    public static LocalEmbeddingGenerator Instance => Arctic.Value;
}

/// <summary>The default embedder: snowflake-arctic-embed-xs from its NuGet package, in process.</summary>
public sealed class LocalModelTests
{
    private static readonly LocalEmbeddingGenerator Model = SharedModel.Instance;

    private static async Task<float[]> EmbedAsync(string text, bool query = false) =>
        (await Model.GenerateAsync([text], query ? EmbeddingPurpose.Query() : null))[0].Vector.ToArray();

    [Theory]
    [InlineData("Where does my sibling live now?", "My sister Priya moved to Lisbon in March.")]
    [InlineData("What is my pet called?", "I adopted a cat named Pixel.")]
    [InlineData("Which instrument am I learning?", "I started cello lessons last autumn.")]
    public async Task A_question_in_other_words_is_nearest_to_the_fact_it_asks_about(string question, string fact)
    {
        string[] others = ["The quarterly report is due on Friday.", "I play tennis on Sundays.", "Our deploy pipeline runs on every merge.",
            "My sister Priya moved to Lisbon in March.", "I adopted a cat named Pixel.", "I started cello lessons last autumn."];
        var q = await EmbedAsync(question, query: true);
        var ranked = new List<(string Text, float Cosine)>();
        foreach (var text in others)
        {
            var vector = await EmbedAsync(text);
            ranked.Add((text, TensorPrimitives.CosineSimilarity(q, vector)));
        }
        Assert.Equal(fact, ranked.MaxBy(r => r.Cosine).Text);
    }

    [Fact]
    public async Task Vectors_are_normalised_384_floats_and_a_batch_keeps_its_order_whatever_the_lengths()
    {
        // Short and long texts (a 2,400-character one goes in a run of its own), more than one run's worth.
        string[] texts = ["a much longer sentence about databases, migrations and the plan for next quarter's release", "short", "", "medium length text here",
            string.Concat(Enumerable.Repeat("The rollback plan reverts the container app revision and restores the database snapshot. ", 27)),
            .. Enumerable.Range(0, 20).Select(i => $"note {i}: " + string.Concat(Enumerable.Repeat("water the plants, ", i % 7 * 10)))];
        var batch = await Model.GenerateAsync(texts);
        Assert.Equal(texts.Length, batch.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var alone = await EmbedAsync(texts[i]);
            Assert.Equal(LocalEmbeddingGenerator.Dimensions, alone.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(alone), 3);
            Assert.True(TensorPrimitives.CosineSimilarity(alone, batch[i].Vector.Span) > 0.999, $"text {i} got another text's vector");
            Assert.Equal(EmbeddingOptions.DefaultLocalModel, batch[i].ModelId);
        }
    }

    [Fact]
    public async Task Queries_get_the_retrieval_instruction_and_documents_do_not()
    {
        var asDocument = await EmbedAsync("where is the spare key");
        var asQuery = await EmbedAsync("where is the spare key", query: true);
        Assert.True(TensorPrimitives.CosineSimilarity(asDocument, asQuery) < 0.99, "the query was embedded like a document");
        var plain = new LocalEmbeddingGenerator(EmbeddingOptions.DefaultLocalModel, queryInstruction: false);
        Assert.True(plain.IsLoaded); // a new generator shares the model the process already holds: one ~400 MB session, not one each
        var plainQuery = (await plain.GenerateAsync(["where is the spare key"], EmbeddingPurpose.Query()))[0].Vector.ToArray();
        Assert.True(TensorPrimitives.CosineSimilarity(asDocument, plainQuery) > 0.999, "the instruction was added although turned off");
        Assert.Equal("snowflake-arctic-embed-xs", plain.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
        Assert.Equal(384, plain.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }

    [Fact]
    public void An_unknown_model_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new LocalEmbeddingGenerator("bge-large"));
        Assert.Contains("Models:Embeddings:Model", error.Message);
    }
}
