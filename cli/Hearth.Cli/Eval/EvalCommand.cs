using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Postgres;
using Hearth.Search;
using Spectre.Console;

namespace Hearth.Cli.Eval;

/// <summary>
/// <c>hearth eval retrieval --dataset FILE [--mode bm25|vector|hybrid|all] [--k 10] [--json]</c>: LongMemEval-format
/// retrieval evaluation of memory, in process, against a throwaway embedded PostgreSQL (or <c>--connection</c>).
/// Exit codes: 0 done, 2 bad arguments or dataset, 69 PostgreSQL binaries missing, 1 anything else.
/// </summary>
public sealed class EvalCommand : ICliCommand
{
    public Command Build()
    {
        var dataset = new Option<FileInfo>("--dataset") { Description = "LongMemEval-format JSON (e.g. eval/hearth-memory-eval.json).", Required = true };
        var mode = new Option<string>("--mode") { Description = "bm25, vector, hybrid (default) or all.", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong("bm25", "vector", "hybrid", "all");
        var k = new Option<int>("--k") { Description = "Passages retrieved per question (MRR is counted within them).", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print JSON: { overall: { recall@1, recall@5, recall@10 (LongMemEval's recall_any@k), mrr, recall_any@1, recall_any@5, recall_all@5, ndcg@10, evidence@1, evidence@5 }, byType, abstention, updates } (with --mode all, one per mode)." };
        var connection = new Option<string?>("--connection") { Description = "Use this PostgreSQL database instead of a throwaway embedded cluster." };
        var details = new Option<bool>("--details") { Description = "With --json: each question's scores too." };
        var embedder = new Option<string>("--embedder") { Description = "arctic (the default local model), minilm or hashing.", DefaultValueFactory = _ => "arctic" };
        embedder.AcceptOnlyFromAmong("arctic", "minilm", "hashing");
        var noInstruction = new Option<bool>("--no-query-instruction") { Description = "arctic: embed questions without the model's retrieval instruction." };

        var set = SetOption();
        var sweep = SweepOption();
        var retrieval = new Command("retrieval", "Recall@1/5/10 and MRR per question type of memory retrieval on a LongMemEval-format dataset.")
        {
            dataset, mode, k, json, connection, details, embedder, noInstruction, set, sweep,
        };
        retrieval.SetAction(async (result, ct) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            var kValue = result.GetValue(k);
            if (kValue is < 1 or > 100)
            {
                await error.WriteLineAsync("--k must be between 1 and 100.");
                return 2;
            }
            IReadOnlyList<EvalQuestion> questions;
            try
            {
                questions = LongMemEvalDataset.Load(result.GetValue(dataset)!.FullName);
            }
            catch (FormatException e)
            {
                await error.WriteLineAsync($"Invalid dataset: {e.Message}");
                return 2;
            }
            var selected = result.GetValue(mode) switch
            {
                "bm25" => [SearchMode.Bm25],
                "vector" => [SearchMode.Vector],
                "all" => new[] { SearchMode.Bm25, SearchMode.Vector, SearchMode.Hybrid },
                _ => [SearchMode.Hybrid],
            };
            try
            {
                var settings = With(RetrievalEvaluation.EmbedderSettings(result.GetValue(embedder)!, !result.GetValue(noInstruction)), result.GetValue(set));
                if (result.GetValue(sweep) is { Length: > 0 } axes)
                {
                    var configurations = Sweep(axes);
                    var swept = await WithDatabaseAsync(result.GetValue(connection),
                        c => RetrievalEvaluation.RunAsync(questions, selected, kValue, c, settings, configurations, ct), ct);
                    await output.WriteLineAsync(SweepJson(configurations, swept.Select(r => ToJson(r, result.GetValue(details))).ToList()));
                    return 0;
                }
                var reports = await RunAsync(questions, selected, kValue, result.GetValue(connection), settings, ct);
                if (result.GetValue(json)) await output.WriteLineAsync(ToJson(reports, result.GetValue(details)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                else Render(reports, questions.Count, output);
                return 0;
            }
            catch (FormatException e)
            {
                await error.WriteLineAsync(e.Message);
                return 2;
            }
            catch (PostgresNotFoundException e)
            {
                await error.WriteLineAsync(e.Message);
                return 69;
            }
        });
        return new Command("eval", "Evaluations that run Hearth's code in process.") { retrieval, Skills() };
    }

    /// <summary><c>hearth eval skills --queries eval/skills-eval.json [--mode all] [--json]</c>: precision@k and MRR of skill section search.</summary>
    private static Command Skills()
    {
        var queries = new Option<FileInfo>("--queries") { Description = "Queries with their relevant files (e.g. eval/skills-eval.json); its \"corpus\" folder is read relative to it.", Required = true };
        var mode = new Option<string>("--mode") { Description = "bm25, vector, hybrid or all (default).", DefaultValueFactory = _ => "all" };
        mode.AcceptOnlyFromAmong("bm25", "vector", "hybrid", "all");
        var json = new Option<bool>("--json") { Description = "Print JSON: one object per mode with precision@1/3/5 and mrr." };
        var details = new Option<bool>("--details") { Description = "With --json: each query's scores and first sections too." };
        var connection = new Option<string?>("--connection") { Description = "Use this PostgreSQL database instead of a throwaway embedded cluster." };
        var embedder = new Option<string>("--embedder") { Description = "arctic (the default local model), minilm or hashing.", DefaultValueFactory = _ => "arctic" };
        embedder.AcceptOnlyFromAmong("arctic", "minilm", "hashing");
        var set = SetOption();
        var sweep = SweepOption();
        var command = new Command("skills", "Precision@1/3/5 and MRR of skill section search per mode over a corpus folder and its queries.")
        {
            queries, mode, json, details, connection, embedder, set, sweep,
        };
        command.SetAction(async (result, ct) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            try
            {
                var (corpus, list) = SkillsEvaluation.Load(result.GetValue(queries)!.FullName);
                var modes = Modes(result.GetValue(mode)!);
                var settings = With(RetrievalEvaluation.EmbedderSettings(result.GetValue(embedder)!), result.GetValue(set));
                if (result.GetValue(sweep) is { Length: > 0 } axes)
                {
                    var configurations = Sweep(axes);
                    var swept = await WithDatabaseAsync(result.GetValue(connection), c => SkillsEvaluation.RunAsync(corpus, list, modes, c, settings, configurations, ct), ct);
                    await output.WriteLineAsync(SweepJson(configurations, swept.Select(r => SkillsJson(r, result.GetValue(details))).ToList()));
                    return 0;
                }
                var reports = await WithDatabaseAsync(result.GetValue(connection), c => SkillsEvaluation.RunAsync(corpus, list, modes, c, settings, ct), ct);
                if (result.GetValue(json)) await output.WriteLineAsync(SkillsJson(reports, result.GetValue(details)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                else RenderSkills(reports, list.Count, output);
                return 0;
            }
            catch (FormatException e)
            {
                await error.WriteLineAsync($"Invalid evaluation: {e.Message}");
                return 2;
            }
            catch (PostgresNotFoundException e)
            {
                await error.WriteLineAsync(e.Message);
                return 69;
            }
        });
        return command;
    }

    /// <summary><c>--set Key=Value</c> (repeatable): a setting for the evaluated code, e.g. <c>Search:VectorWeight=1.5</c>.</summary>
    private static Option<string[]> SetOption() => new("--set")
    {
        Description = "A setting for the evaluated code, Key=Value (repeatable), e.g. Search:VectorWeight=1.5 or Memory:SimilarityFloor=0.6.",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary><c>--sweep Key=v1,v2,…</c> (repeatable): the evaluation once per combination of values, indexed once.</summary>
    private static Option<string[]> SweepOption() => new("--sweep")
    {
        Description = "Run once per value, indexing once: Key=v1,v2,… (repeatable: every combination), e.g. Search:Bm25Scale=0,0.5,1. Prints JSON.",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Every combination of the swept values, in the order given (the first axis varies slowest).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string?>> Sweep(string[] axes)
    {
        IEnumerable<Dictionary<string, string?>> all = [new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)];
        foreach (var axis in axes)
        {
            var at = axis.IndexOf('=');
            if (at <= 0) throw new FormatException($"--sweep needs Key=v1,v2,…, got '{axis}'.");
            var key = axis[..at].Trim();
            var values = axis[(at + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (values.Length == 0) throw new FormatException($"--sweep {key}: no values.");
            all = all.SelectMany(c => values.Select(v => new Dictionary<string, string?>(c, StringComparer.OrdinalIgnoreCase) { [key] = v })).ToList();
        }
        return all.ToList();
    }

    private static string SweepJson(IReadOnlyList<IReadOnlyDictionary<string, string?>> configurations, IReadOnlyList<JsonNode> reports) =>
        new JsonArray(configurations.Select((c, i) => (JsonNode)new JsonObject
        {
            ["settings"] = new JsonObject(c.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            ["report"] = reports[i],
        }).ToArray()).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static IReadOnlyDictionary<string, string?> With(IReadOnlyDictionary<string, string?> settings, string[]? pairs)
    {
        var all = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs ?? [])
        {
            var at = pair.IndexOf('=');
            if (at <= 0) throw new FormatException($"--set needs Key=Value, got '{pair}'.");
            all[pair[..at].Trim()] = pair[(at + 1)..].Trim();
        }
        return all;
    }

    private static SearchMode[] Modes(string mode) => mode switch
    {
        "bm25" => [SearchMode.Bm25],
        "vector" => [SearchMode.Vector],
        "hybrid" => [SearchMode.Hybrid],
        _ => [SearchMode.Bm25, SearchMode.Vector, SearchMode.Hybrid],
    };

    /// <summary>Runs <paramref name="run"/> against <paramref name="connection"/>, or a throwaway embedded cluster.</summary>
    private static async Task<T> WithDatabaseAsync<T>(string? connection, Func<string, Task<T>> run, CancellationToken ct)
    {
        if (connection is not null) return await run(connection);
        var folder = Path.Combine(Path.GetTempPath(), "hearth-eval", $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            await using var cluster = await EmbeddedCluster.StartAsync(new ClusterOptions { DataDirectory = folder, Database = "hearth_eval", Durable = false }, ct: ct);
            return await run(cluster.ConnectionString);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The skills report as JSON: an object keyed by mode.</summary>
    public static JsonNode SkillsJson(IReadOnlyList<SkillModeReport> reports, bool details = false)
    {
        var all = new JsonObject();
        foreach (var r in reports)
        {
            var one = new JsonObject
            {
                ["files"] = r.Files, ["sections"] = r.Sections, ["queries"] = r.Queries.Count,
                ["precision@1"] = Math.Round(r.PrecisionAt1, 4), ["precision@3"] = Math.Round(r.PrecisionAt3, 4),
                ["precision@5"] = Math.Round(r.PrecisionAt5, 4), ["mrr"] = Math.Round(r.Mrr, 4),
            };
            if (details)
                one["details"] = new JsonArray(r.Queries.Select(q => (JsonNode)new JsonObject
                {
                    ["id"] = q.Id, ["precision@3"] = Math.Round(q.PrecisionAt3, 4), ["mrr"] = Math.Round(q.Mrr, 4),
                    ["top"] = new JsonArray(q.Top.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                }).ToArray());
            all[r.Mode] = one;
        }
        return all;
    }

    private static void RenderSkills(IReadOnlyList<SkillModeReport> reports, int queries, TextWriter output)
    {
        var console = CliConsole.Create(output);
        var table = new Table().Title($"Skill section search, {queries} queries, {reports[0].Files} files, {reports[0].Sections} sections");
        table.AddColumns("mode", "precision@1", "precision@3", "precision@5", "MRR");
        foreach (var r in reports) table.AddRow(r.Mode, Cell(r.PrecisionAt1), Cell(r.PrecisionAt3), Cell(r.PrecisionAt5), Cell(r.Mrr));
        console.Write(table);
    }

    private static async Task<IReadOnlyList<ModeReport>> RunAsync(IReadOnlyList<EvalQuestion> questions, SearchMode[] modes, int k, string? connection,
        IReadOnlyDictionary<string, string?> embedder, CancellationToken ct)
    {
        if (connection is not null) return await RetrievalEvaluation.RunAsync(questions, modes, k, connection, ct, embedder);
        var folder = Path.Combine(Path.GetTempPath(), "hearth-eval", $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            await using var cluster = await EmbeddedCluster.StartAsync(new ClusterOptions { DataDirectory = folder, Database = "hearth_eval", Durable = false }, ct: ct);
            return await RetrievalEvaluation.RunAsync(questions, modes, k, cluster.ConnectionString, ct, embedder);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The JSON report: one mode's object, or an object keyed by mode when several ran.</summary>
    public static JsonNode ToJson(IReadOnlyList<ModeReport> reports, bool details = false)
    {
        static JsonObject Metrics(RetrievalMetrics m) => new()
        {
            ["questions"] = m.Questions,
            ["recall@1"] = Math.Round(m.RecallAt1, 4),
            ["recall@5"] = Math.Round(m.RecallAt5, 4),
            ["recall@10"] = Math.Round(m.RecallAt10, 4),
            ["mrr"] = Math.Round(m.Mrr, 4),
            ["recall_any@1"] = Math.Round(m.AnyAt1, 4),
            ["recall_any@5"] = Math.Round(m.AnyAt5, 4),
            ["recall_all@5"] = Math.Round(m.AllAt5, 4),
            ["evidence@1"] = Math.Round(m.EvidenceAt1, 4),
            ["evidence@5"] = Math.Round(m.EvidenceAt5, 4),
            ["ndcg@10"] = Math.Round(m.NdcgAt10, 4),
        };
        JsonObject One(ModeReport r)
        {
            var byType = new JsonObject();
            foreach (var (type, metrics) in r.ByType) byType[type] = Metrics(metrics);
            var one = new JsonObject
            {
                ["mode"] = r.Mode,
                ["k"] = r.K,
                ["overall"] = Metrics(r.Overall),
                ["byType"] = byType,
                ["abstention"] = new JsonObject
                {
                    ["questions"] = r.Abstention.Questions,
                    ["abstained"] = r.Abstention.Abstained,
                    ["rate"] = Math.Round(r.Abstention.Rate, 4),
                    ["answerableWithNothingRelevant"] = r.Abstention.AnswerableWithNothingRelevant,
                },
                ["updates"] = new JsonObject
                {
                    ["questions"] = r.Updates.Questions,
                    ["newestFirst"] = r.Updates.NewestFirst,
                    ["olderMarkedSuperseded"] = r.Updates.MarkedSuperseded,
                },
            };
            if (details)
                one["questions"] = new JsonArray(r.Questions.Select(q => (JsonNode)new JsonObject
                {
                    ["id"] = q.Id, ["type"] = q.Type, ["evidence"] = q.Evidence, ["recall@1"] = q.RecallAt1, ["recall@5"] = q.RecallAt5,
                    ["recall@10"] = q.RecallAt10, ["mrr"] = Math.Round(q.Mrr, 4), ["foundRelevant"] = q.FoundRelevant, ["topSimilarity"] = q.TopSimilarity is { } t ? Math.Round(t, 4) : null, ["foundByWords"] = q.FoundByWords,
                    ["newestFirst"] = q.NewestFirst, ["olderMarkedSuperseded"] = q.MarkedSuperseded,
                    ["top"] = new JsonArray(q.Top.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                }).ToArray());
            return one;
        }
        if (reports.Count == 1) return One(reports[0]);
        var all = new JsonObject();
        foreach (var report in reports) all[report.Mode] = One(report);
        return all;
    }

    private static void Render(IReadOnlyList<ModeReport> reports, int questions, TextWriter output)
    {
        var console = CliConsole.Create(output);
        var table = new Table().Title($"Memory retrieval, {questions} questions, k = {reports[0].K}");
        table.AddColumns("mode", "question type", "questions", "recall@1", "recall@5", "recall@10", "MRR", "all@5", "NDCG@10", "evidence@1");
        foreach (var report in reports)
        {
            foreach (var (type, m) in report.ByType)
                table.AddRow(report.Mode, type, Cell(m.Questions), Cell(m.RecallAt1), Cell(m.RecallAt5), Cell(m.RecallAt10), Cell(m.Mrr), Cell(m.AllAt5), Cell(m.NdcgAt10), Cell(m.EvidenceAt1));
            var o = report.Overall;
            table.AddRow($"[bold]{report.Mode}[/]", "[bold]overall[/]", Cell(o.Questions), $"[bold]{Cell(o.RecallAt1)}[/]", $"[bold]{Cell(o.RecallAt5)}[/]",
                $"[bold]{Cell(o.RecallAt10)}[/]", $"[bold]{Cell(o.Mrr)}[/]", $"[bold]{Cell(o.AllAt5)}[/]", $"[bold]{Cell(o.NdcgAt10)}[/]", $"[bold]{Cell(o.EvidenceAt1)}[/]");
            var a = report.Abstention;
            table.AddRow(report.Mode, "abstention (_abs)", Cell(a.Questions), $"abstained {a.Abstained}/{a.Questions}", "", "", "", "", "", "");
            var u = report.Updates;
            if (u.Questions > 0)
                table.AddRow(report.Mode, "updates (newest first)", Cell(u.Questions), $"{u.NewestFirst}/{u.Questions}", $"older marked {u.MarkedSuperseded}/{u.Questions}", "", "", "", "", "");
            if (report != reports[^1]) table.AddEmptyRow();
        }
        console.Write(table);
        foreach (var report in reports)
            console.MarkupLine(Markup.Escape($"{report.Mode}: {report.Abstention.AnswerableWithNothingRelevant} of {report.Abstention.AnswerableQuestions} answerable questions found nothing above the relevance floor."));
    }

    private static string Cell(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Cell(int value) => value.ToString(CultureInfo.InvariantCulture);
}
