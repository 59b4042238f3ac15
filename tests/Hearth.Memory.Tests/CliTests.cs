using System.CommandLine;
using System.Text.Json;
using Hearth.Cli;
using Hearth.Cli.Eval;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Hearth.Search;
using Hearth.Search.Local;
using Hearth.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Memory.Tests;

/// <summary><c>hearth eval retrieval</c> and <c>hearth reindex</c>, invoked as the command line does.</summary>
public sealed class CliTests
{
    private static async Task<(int Code, string Output, string Error)> RunAsync(ICliCommand command, params string[] args)
    {
        var root = new RootCommand { command.Build() };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string TinyDataset()
    {
        object Session(params (string Role, string Content, bool Answer)[] turns) =>
            turns.Select(t => t.Answer ? (object)new { role = t.Role, content = t.Content, has_answer = true } : new { role = t.Role, content = t.Content }).ToList();
        var filler = Session(("user", "How do I fix a squeaky door hinge?", false), ("assistant", "A drop of oil on the hinge pin usually does it.", false));
        var questions = new object[]
        {
            new
            {
                question_id = "q1", question_type = "single-session-user", question = "What is the name of my tortoise?", answer = "Shelby",
                question_date = "2024/03/01 (Fri) 10:00", haystack_dates = new[] { "2024/01/02 (Tue) 09:00", "2024/01/05 (Fri) 18:30" },
                haystack_session_ids = new[] { "s1", "s2" },
                haystack_sessions = new[] { filler, Session(("user", "My tortoise Shelby loves dandelions.", true), ("assistant", "Dandelions are a great treat for tortoises.", false)) },
                answer_session_ids = new[] { "s2" },
            },
            new
            {
                question_id = "q2", question_type = "multi-session", question = "Which two cheeses did I buy at the market?", answer = "comte and gouda",
                question_date = "2024/03/01 (Fri) 10:00", haystack_dates = new[] { "2024/02/01 (Thu) 09:00", "2024/02/08 (Thu) 09:00", "2024/02/09 (Fri) 09:00" },
                haystack_session_ids = new[] { "a", "b", "c" },
                haystack_sessions = new[]
                {
                    Session(("user", "Bought a wedge of comte cheese at the market.", true), ("assistant", "Comte is lovely with walnuts.", false)),
                    filler,
                    Session(("user", "The market had smoked gouda cheese today, I bought some.", true), ("assistant", "Smoked gouda melts well.", false)),
                },
                answer_session_ids = new[] { "a", "c" },
            },
            new
            {
                question_id = "q3_abs", question_type = "single-session-user", question = "What colour is my canoe?", answer = "not mentioned",
                question_date = "2024/03/01 (Fri) 10:00", haystack_dates = new[] { "2024/01/02 (Tue) 09:00" }, haystack_session_ids = new[] { "x" },
                haystack_sessions = new[] { filler }, answer_session_ids = Array.Empty<string>(),
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"hearth-eval-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(questions));
        return path;
    }

    [Fact]
    public async Task Eval_retrieval_runs_the_real_code_on_a_throwaway_cluster_and_prints_json_per_type()
    {
        var dataset = TinyDataset();
        var (code, output, error) = await RunAsync(new EvalCommand(), "eval", "retrieval", "--dataset", dataset, "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("hybrid", root.GetProperty("mode").GetString());
        var overall = root.GetProperty("overall");
        Assert.Equal(2, overall.GetProperty("questions").GetInt32());
        foreach (var metric in new[] { "recall@1", "recall@5", "recall@10", "mrr" }) Assert.True(overall.TryGetProperty(metric, out _), metric);
        Assert.Equal(1.0, overall.GetProperty("recall@5").GetDouble());
        Assert.Equal(1.0, root.GetProperty("byType").GetProperty("single-session-user").GetProperty("mrr").GetDouble());
        // Two evidence sessions: the first passage holds one of them (recall@1 = recall_any@1 = 1, evidence@1 = 0.5).
        Assert.Equal(1.0, root.GetProperty("byType").GetProperty("multi-session").GetProperty("recall@1").GetDouble());
        Assert.Equal(0.5, root.GetProperty("byType").GetProperty("multi-session").GetProperty("evidence@1").GetDouble());
        Assert.Equal(1.0, root.GetProperty("byType").GetProperty("multi-session").GetProperty("recall@5").GetDouble());
        Assert.False(root.GetProperty("byType").TryGetProperty("abstention", out _));
        Assert.Equal(1, root.GetProperty("abstention").GetProperty("questions").GetInt32());
        Assert.Equal(1, root.GetProperty("abstention").GetProperty("abstained").GetInt32());
    }

    [Fact]
    public async Task Eval_retrieval_prints_a_table_per_mode_against_a_given_database()
    {
        var (code, output, error) = await RunAsync(new EvalCommand(), "eval", "retrieval", "--dataset", TinyDataset(), "--mode", "all", "--connection", await TestPostgres.CreateDatabaseAsync());
        Assert.True(code == 0, error);
        foreach (var mode in new[] { "bm25", "vector", "hybrid" }) Assert.Contains(mode, output);
        Assert.Contains("multi-session", output);
        Assert.Contains("abstained 1/1", output);
    }

    [Fact]
    public async Task Hybrid_is_at_least_as_good_as_each_of_its_halves_on_the_shipped_dataset()
    {
        var dataset = ShippedDataset();
        var (code, output, error) = await RunAsync(new EvalCommand(), "eval", "retrieval", "--dataset", dataset, "--mode", "all", "--json",
            "--connection", await TestPostgres.CreateDatabaseAsync());
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        double RecallAt5(string mode) => json.RootElement.GetProperty(mode).GetProperty("overall").GetProperty("recall@5").GetDouble();
        Assert.True(json.RootElement.GetProperty("hybrid").GetProperty("overall").GetProperty("questions").GetInt32() >= 30);
        double Mrr(string mode) => json.RootElement.GetProperty(mode).GetProperty("overall").GetProperty("mrr").GetDouble();
        // With the default model: recall@5 0.82 (bm25), 1.00 (vector), 1.00 (hybrid); MRR 0.88, 0.94, 0.96.
        Assert.True(RecallAt5("hybrid") >= 0.95, $"hybrid recall@5 {RecallAt5("hybrid")}");
        Assert.True(RecallAt5("hybrid") >= RecallAt5("bm25"), $"hybrid {RecallAt5("hybrid")} vs bm25 {RecallAt5("bm25")}");
        Assert.True(RecallAt5("hybrid") >= RecallAt5("vector"), $"hybrid {RecallAt5("hybrid")} vs vector {RecallAt5("vector")}");
        Assert.True(Mrr("hybrid") >= Mrr("bm25") && Mrr("hybrid") >= Mrr("vector"), $"MRR hybrid {Mrr("hybrid")}, bm25 {Mrr("bm25")}, vector {Mrr("vector")}");
        // recall@k is LongMemEval's recall_any@k: the product ranks a piece of evidence first for at least 80 % of the questions.
        double Overall(string mode, string name) => json.RootElement.GetProperty(mode).GetProperty("overall").GetProperty(name).GetDouble();
        Assert.True(Overall("hybrid", "recall@1") >= 0.80, $"hybrid recall@1 {Overall("hybrid", "recall@1")}");
        Assert.Equal(Overall("hybrid", "recall_any@1"), Overall("hybrid", "recall@1"));
        Assert.True(Overall("hybrid", "recall_all@5") >= 0.95, $"hybrid recall_all@5 {Overall("hybrid", "recall_all@5")}");
        Assert.True(Overall("hybrid", "evidence@1") <= Overall("hybrid", "recall@1"));
    }

    /// <summary>eval/hearth-memory-eval.json of this checkout (the dataset the README's scores are for).</summary>
    private static string ShippedDataset()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "eval", "hearth-memory-eval.json");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("eval/hearth-memory-eval.json not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task Eval_retrieval_refuses_a_file_that_is_not_longmemeval_with_exit_code_2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hearth-eval-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """[{ "question_id": "q1", "question": "x", "haystack_sessions": [] }]""");
        var (code, _, error) = await RunAsync(new EvalCommand(), "eval", "retrieval", "--dataset", path);
        Assert.Equal(2, code);
        Assert.Contains("question_type is required", error);
        Assert.Equal(2, (await RunAsync(new EvalCommand(), "eval", "retrieval", "--dataset", path + ".missing")).Code);
        Assert.NotEqual(0, (await RunAsync(new EvalCommand(), "eval", "retrieval", "--dataset", path, "--mode", "fuzzy")).Code);
    }

    private static async Task<string> OldCollectionAsync()
    {
        var connection = await TestPostgres.CreateDatabaseAsync();
        await using var db = NpgsqlDataSource.Create(connection);
        await Migrator.ApplyAsync(db, [new MigrationSource("durable", typeof(IJobClient).Assembly, "Hearth.Durable.Migrations."), PostgresSearchIndex.Migrations],
            NullLogger.Instance, CancellationToken.None);
        var index = new PostgresSearchIndex(db, new SearchOptions(), NullLogger<PostgresSearchIndex>.Instance);
        await index.EnsureCollectionAsync("memory", "older-model", 16, CancellationToken.None);
        await index.UpsertAsync("memory", [
            new SearchDocument("a", "00000000-0000-4000-8000-00000000c11e", "Otters hold hands while sleeping.", new float[16]) { Kind = "turn" },
            new SearchDocument("b", "00000000-0000-4000-8000-00000000c11e", "Beavers build dams.", new float[16]) { Kind = "turn" }], CancellationToken.None);
        return connection;
    }

    [Fact]
    public async Task Reindex_inline_moves_a_collection_built_with_another_model_to_the_configured_embedder()
    {
        var connection = await OldCollectionAsync();

        var (code, output, error) = await RunAsync(new ReindexCommand(), "reindex", "--connection", connection, "--inline");
        Assert.True(code == 0, error);
        Assert.Contains("Reindexed memory: 2 documents with snowflake-arctic-embed-xs (384 dimensions).", output); // the default embedder
        await using var check = NpgsqlDataSource.Create(connection);
        var index2 = new PostgresSearchIndex(check, new SearchOptions(), NullLogger<PostgresSearchIndex>.Instance);
        using var embedder = new Hearth.Adapters.LocalModels.LocalEmbeddingGenerator("snowflake-arctic-embed-xs");
        var query = (await embedder.GenerateAsync(["which animal sleeps holding hands"], Hearth.Embeddings.EmbeddingPurpose.Query()))[0].Vector;
        var hits = await index2.SearchAsync("memory", new SearchQuery("which animal sleeps holding hands", query, SearchMode.Vector, 1, new SearchFilter("00000000-0000-4000-8000-00000000c11e"))
        {
            VectorModel = "snowflake-arctic-embed-xs",
        }, CancellationToken.None);
        Assert.Equal((SearchMode.Vector, "a"), (hits.Mode, Assert.Single(hits).Id));
        var status = await index2.GetVectorStatusAsync("memory", CancellationToken.None);
        Assert.Equal((false, 2L, 0L), (status!.Reembedding, status.Done, status.Pending));

        Assert.Equal(1, (await RunAsync(new ReindexCommand(), "reindex", "--connection", connection, "--collection", "nope")).Code);
    }

    [Fact]
    public async Task Reindex_starts_the_re_embedding_for_the_hosts_workers_and_searches_answer_by_bm25_meanwhile()
    {
        var connection = await OldCollectionAsync();

        var (code, output, error) = await RunAsync(new ReindexCommand(), "reindex", "--connection", connection);
        Assert.True(code == 0, error);
        Assert.Contains("Re-embedding memory from older-model to snowflake-arctic-embed-xs (384 dimensions): 2 documents.", output);
        await using var check = NpgsqlDataSource.Create(connection);
        await using (var jobs = check.CreateCommand("select count(*) from durable.jobs where queue = 'search.embed-vectors' and state = 'ready'"))
            Assert.Equal(1L, await jobs.ExecuteScalarAsync());
        var index = new PostgresSearchIndex(check, new SearchOptions(), NullLogger<PostgresSearchIndex>.Instance);
        var hits = await index.SearchAsync("memory", new SearchQuery("otters", new float[384], SearchMode.Hybrid, 1, new SearchFilter("00000000-0000-4000-8000-00000000c11e")), CancellationToken.None);
        Assert.Equal((SearchMode.Bm25, SearchResults.Reembedding, "a"), (hits.Mode, hits.VectorFallback, Assert.Single(hits).Id));

        // Running it again while it runs does not throw the progress away.
        var again = await RunAsync(new ReindexCommand(), "reindex", "--connection", connection, "--collection", "memory");
        Assert.Equal(0, again.Code);
        Assert.Contains("memory is already being re-embedded with snowflake-arctic-embed-xs: 0/2 done.", again.Output);
        await using (var jobs = check.CreateCommand("select count(*) from durable.jobs where queue = 'search.embed-vectors'"))
            Assert.Equal(1L, await jobs.ExecuteScalarAsync());
        var status = await index.GetVectorStatusAsync("memory", CancellationToken.None);
        Assert.Equal((true, 0L, 2L), (status!.Reembedding, status.Done, status.Pending));
    }
}
