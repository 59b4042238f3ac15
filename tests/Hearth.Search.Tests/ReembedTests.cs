using Hearth.Embeddings;
using Hearth.Search.Local;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Search.Tests;

/// <summary>
/// A collection built by another model is re-embedded in steps (the vector job's, driven here one by one): searches answer
/// by BM25, labelled, until every vector is back; the old model's vectors are never compared with the new one's; a step
/// run twice (a rescued job) or interrupted (a crash) neither counts nor writes anything twice.
/// </summary>
public sealed class ReembedTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SearchFilter U1 = new("00000000-0000-4000-8000-0000000000a1");
    private SearchDatabase _db = null!;
    private PostgresSearchIndex _index = null!;
    private SearchService _service = null!;
    private readonly HashingEmbeddingGenerator _hashing = new(384);

    public async Task InitializeAsync()
    {
        _db = await SearchDatabase.CreateAsync();
        _index = _db.NewIndex();
        _service = new SearchService(_index, _hashing, NullLogger<SearchService>.Instance);
        // Built by "older-model" with the same size: each text carries the vector of the other one, so a search that compared
        // the old vectors with the new model's query would rank the wrong document first.
        await _index.EnsureCollectionAsync("memory", "older-model", 384, Ct);
        await _index.UpsertAsync("memory", [
            new SearchDocument("boat", "00000000-0000-4000-8000-0000000000a1", "A sailing boat on the lake at dawn", _hashing.Embed("mountain hiking trail above the valley")),
            new SearchDocument("hike", "00000000-0000-4000-8000-0000000000a1", "A mountain hiking trail above the valley", _hashing.Embed("sailing boat on the lake at dawn")),
            new SearchDocument("tax", "00000000-0000-4000-8000-0000000000a1", "Quarterly tax filing is due in April", _hashing.Embed("tax")),
            new SearchDocument("pie", "00000000-0000-4000-8000-0000000000a1", "Grandma's apple pie needs cinnamon", _hashing.Embed("pie")),
            new SearchDocument("bees", "00000000-0000-4000-8000-0000000000a1", "The bees on the roof need water", _hashing.Embed("bees")),
        ], Ct);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<VectorStep> StepAsync(int batchSize = 2, EmbedBatch? embed = null)
    {
        var info = await _index.GetCollectionAsync("memory", Ct);
        return await _index.EmbedVectorsAsync("memory", info!.VectorBatch, _service.ModelId, embed ?? _service.EmbedForIndexAsync, batchSize, Ct);
    }

    [Fact]
    public async Task Searches_answer_by_bm25_until_every_vector_is_back_and_never_compare_two_models()
    {
        // First use by a host configured with another model starts the re-embedding instead of failing.
        var ensured = await _service.EnsureCollectionAsync("memory", Ct);
        Assert.Equal((HashingEmbeddingGenerator.ModelId, 384, 2), (ensured.EmbeddingModel, ensured.Dimensions, ensured.Generation));

        var status = (await _index.GetVectorStatusAsync("memory", Ct))!;
        Assert.True(status.Reembedding);
        Assert.Equal(("older-model", 0L, 5L, 5L), (status.FromModel, status.Done, status.Pending, status.Total));

        foreach (var mode in new[] { SearchMode.Hybrid, SearchMode.Vector })
        {
            var during = await _service.SearchAsync("memory", "sailing boat", mode, 2, U1, Ct);
            Assert.Equal((SearchMode.Bm25, SearchResults.Reembedding), (during.Mode, during.VectorFallback));
            Assert.Equal("boat", during[0].Id);
            Assert.Null(during[0].VectorScore);
        }

        Assert.Equal(new VectorStep(VectorStepOutcome.Continued, 2), await StepAsync());
        // Two vectors are back, three are not: still keywords only (a partial vector list would rank by what happens to be done).
        Assert.Equal(SearchResults.Reembedding, (await _service.SearchAsync("memory", "boat", SearchMode.Hybrid, 2, U1, Ct)).VectorFallback);

        // A document written meanwhile by the new model keeps its vector and is not waiting.
        await _service.IndexAsync("memory", [new SearchDocument("kayak", "00000000-0000-4000-8000-0000000000a1", "Kayak rental by the harbour")], Ct);
        Assert.Equal((2L, 3L), ((await _index.GetVectorStatusAsync("memory", Ct))!.Done, (await _index.GetVectorStatusAsync("memory", Ct))!.Pending));

        while ((await StepAsync()).Outcome == VectorStepOutcome.Continued)
        {
        }
        status = (await _index.GetVectorStatusAsync("memory", Ct))!;
        Assert.False(status.Reembedding);
        Assert.Equal((5L, 0L), (status.Done, status.Pending));
        Assert.NotNull(status.FinishedAt);

        var after = await _service.SearchAsync("memory", "A sailing boat on the lake at dawn", SearchMode.Vector, 1, U1, Ct);
        Assert.Equal((SearchMode.Vector, null), (after.Mode, after.VectorFallback));
        Assert.Equal("boat", after.Single().Id); // with the old (swapped) vectors "hike" would win
        Assert.Equal(1.0, after.Single().VectorScore!.Value, 3);

        // Every stored vector is now the new model's embedding of its own text.
        await using var command = _db.DataSource.CreateCommand("select text, vector from search.documents where not deleted");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = 0;
        while (await reader.ReadAsync(Ct))
        {
            rows++;
            var stored = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(reader.GetFieldValue<byte[]>(1)).ToArray();
            Assert.Equal(_hashing.Embed(reader.GetString(0)).ToArray(), stored);
        }
        Assert.Equal(6, rows);
    }

    [Fact]
    public async Task A_step_run_twice_or_interrupted_neither_counts_nor_writes_twice_and_a_writer_meanwhile_keeps_its_version()
    {
        Assert.True(await _service.StartReindexAsync("memory", force: false, Ct));
        var first = (await _index.GetCollectionAsync("memory", Ct))!.VectorBatch;

        // A crash while embedding: nothing is written or counted, and the same step runs again.
        await Assert.ThrowsAsync<IOException>(() => StepAsync(embed: (_, _) => throw new IOException("the process died")));
        Assert.Equal(0L, (await _index.GetVectorStatusAsync("memory", Ct))!.Done);

        Assert.Equal(VectorStepOutcome.Continued, (await StepAsync()).Outcome);
        // The same step again (a rescued job whose first run had committed): nothing happens.
        Assert.Equal(new VectorStep(VectorStepOutcome.Superseded, 0),
            await _index.EmbedVectorsAsync("memory", first, _service.ModelId, _service.EmbedForIndexAsync, 2, Ct));
        Assert.Equal(2L, (await _index.GetVectorStatusAsync("memory", Ct))!.Done);

        // A writer replaces a document while a step embeds its old text: the writer's text and vector stay.
        var replaced = await StepAsync(batchSize: 10, embed: async (texts, ct) =>
        {
            await _service.IndexAsync("memory", [new SearchDocument("bees", "00000000-0000-4000-8000-0000000000a1", "The bees moved to the garden shed")], ct);
            return await _service.EmbedForIndexAsync(texts, ct);
        });
        Assert.Equal(new VectorStep(VectorStepOutcome.Continued, 2), replaced); // three read, "bees" left to its writer
        Assert.Equal(VectorStepOutcome.Finished, (await StepAsync()).Outcome);

        var status = (await _index.GetVectorStatusAsync("memory", Ct))!;
        Assert.Equal((4L, 0L, 5L), (status.Done, status.Pending, status.Documents));
        var bees = await _service.SearchAsync("memory", "The bees moved to the garden shed", SearchMode.Vector, 1, U1, Ct);
        Assert.Equal(("bees", "The bees moved to the garden shed"), (bees.Single().Id, bees.Single().Document.Text));
        Assert.Equal(1.0, bees.Single().VectorScore!.Value, 3);
        Assert.Equal(5L, await _db.CountAsync("select count(*) from search.documents where not deleted and vector is not null"));
    }

    [Fact]
    public async Task Vectors_written_by_a_replica_on_the_old_model_are_left_out_and_embedded_again()
    {
        await _service.StartReindexAsync("memory", force: false, Ct);
        // A replica still on "older-model" (its cache says so) writes a document with its vector: the text is kept, the vector is not.
        await _index.UpsertAsync("memory", [new SearchDocument("late", "00000000-0000-4000-8000-0000000000a1", "A late note about the harbour", _hashing.Embed("pie"))], "older-model", Ct);
        Assert.Equal(1L, await _db.CountAsync("select count(*) from search.documents where id = 'late' and vector is null"));
        var query = await _index.SearchAsync("memory", new SearchQuery("harbour", _hashing.Embed("harbour"), SearchMode.Hybrid, 1, U1) { VectorModel = "older-model" }, Ct);
        Assert.Equal(SearchMode.Bm25, query.Mode);
        Assert.Equal("late", query.Single().Id);

        while ((await StepAsync(batchSize: 4)).Outcome == VectorStepOutcome.Continued)
        {
        }
        Assert.Equal(6L, (await _index.GetVectorStatusAsync("memory", Ct))!.Done);
        var late = await _service.SearchAsync("memory", "a late note about the harbour", SearchMode.Vector, 1, U1, Ct);
        Assert.Equal("late", late.Single().Id);
        // The old replica's queries are answered by keywords, never by comparing its vectors with the new model's.
        var old = await _index.SearchAsync("memory", new SearchQuery("harbour", _hashing.Embed("harbour"), SearchMode.Vector, 1, U1) { VectorModel = "older-model" }, Ct);
        Assert.Equal((SearchMode.Bm25, SearchResults.ModelMismatch), (old.Mode, old.VectorFallback));
    }
}
