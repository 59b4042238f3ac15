using System.Text;
using System.Text.Json;
using Hearth.Adapters.AzureSearch;
using Hearth.Durable.Migrations;
using Hearth.Search;
using Hearth.Skills;
using Hearth.Skills.Splitting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Cli.Eval;

/// <summary>One question of a skill search evaluation and the files (paths in the corpus) whose sections answer it.</summary>
public sealed record SkillQuery(string Id, string Query, IReadOnlyList<string> Relevant);

/// <summary>One query's scores: a returned section is relevant when its file is one of the query's files.</summary>
public sealed record SkillQueryScore(string Id, double PrecisionAt1, double PrecisionAt3, double PrecisionAt5, double Mrr, IReadOnlyList<string> Top);

/// <summary>The evaluation of one mode: precision@1/3/5 and MRR (within the first 10 sections) averaged over queries.</summary>
public sealed record SkillModeReport(string Mode, int Files, int Sections, double PrecisionAt1, double PrecisionAt3, double PrecisionAt5, double Mrr,
    IReadOnlyList<SkillQueryScore> Queries);

/// <summary>
/// <c>hearth eval skills</c>: the files of a corpus folder are split by the library's splitter, indexed as the library
/// indexes sections (title and section text for BM25, path and heading path with the body for the embedder, see
/// <see cref="SectionEmbeddingText"/>) and searched through <see cref="SearchService"/> as <c>GET /api/skills/search</c>
/// searches them, in each mode.
/// </summary>
public static class SkillsEvaluation
{
    private const string Owner = "00000000-0000-4000-8000-0000000e7a15"; // an owner id is a uuid
    private const int Depth = 10;

    /// <summary>Reads <c>{ corpus, queries: [{ id, query, relevant: [path] }] }</c>; the corpus folder is relative to the file.</summary>
    public static (string Corpus, IReadOnlyList<SkillQuery> Queries) Load(string path)
    {
        if (!File.Exists(path)) throw new FormatException($"Query file '{path}' does not exist.");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            var corpus = root.TryGetProperty("corpus", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "skills-corpus";
            if (!root.TryGetProperty("queries", out var list) || list.ValueKind != JsonValueKind.Array)
                throw new FormatException("The file needs a \"queries\" array.");
            var queries = new List<SkillQuery>();
            foreach (var q in list.EnumerateArray())
            {
                var id = q.TryGetProperty("id", out var i) ? i.GetString() ?? "" : $"q{queries.Count + 1}";
                var text = q.TryGetProperty("query", out var t) ? t.GetString() ?? "" : "";
                var relevant = q.TryGetProperty("relevant", out var r) && r.ValueKind == JsonValueKind.Array
                    ? r.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).ToList() : [];
                if (text.Length == 0 || relevant.Count == 0) throw new FormatException($"query '{id}': needs a query and at least one relevant file.");
                queries.Add(new SkillQuery(id, text, relevant));
            }
            if (queries.Count == 0) throw new FormatException("The file has no queries.");
            return (Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, corpus)), queries);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Query file '{path}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Indexes the corpus once and scores every query in each mode.</summary>
    public static async Task<IReadOnlyList<SkillModeReport>> RunAsync(string corpus, IReadOnlyList<SkillQuery> queries, IReadOnlyList<SearchMode> modes,
        string connectionString, IReadOnlyDictionary<string, string?> embedder, CancellationToken ct) =>
        (await RunAsync(corpus, queries, modes, connectionString, embedder, [new Dictionary<string, string?>()], ct))[0];

    /// <summary>
    /// Indexes the corpus once, then scores every query in each mode once per configuration (settings laid over
    /// <paramref name="settings"/>, e.g. fusion weights): a sweep costs the searches, not the embedding.
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyList<SkillModeReport>>> RunAsync(string corpus, IReadOnlyList<SkillQuery> queries, IReadOnlyList<SearchMode> modes,
        string connectionString, IReadOnlyDictionary<string, string?> settings, IReadOnlyList<IReadOnlyDictionary<string, string?>> configurations, CancellationToken ct)
    {
        if (!Directory.Exists(corpus)) throw new FormatException($"Corpus folder '{corpus}' does not exist.");
        var (documents, files) = Documents(corpus);
        var missing = queries.SelectMany(q => q.Relevant).Where(p => !files.Contains(p)).Distinct().ToList();
        if (missing.Count > 0) throw new FormatException($"Relevant files not in the corpus: {string.Join(", ", missing)}.");
        await using (var indexing = Services(connectionString, settings, null))
        {
            await Migrator.ApplyAsync(indexing.GetRequiredService<NpgsqlDataSource>(), indexing.GetServices<MigrationSource>(), NullLogger.Instance, ct);
            await indexing.GetRequiredService<SearchService>().IndexAsync(SkillSearchIndexer.Collection, SectionEmbeddingText.Apply(documents), ct);
        }

        var all = new List<IReadOnlyList<SkillModeReport>>();
        foreach (var configuration in configurations)
        {
            await using var provider = Services(connectionString, settings, configuration);
            var search = provider.GetRequiredService<SearchService>();
            var reports = new List<SkillModeReport>();
            foreach (var mode in modes)
            {
                var scores = new List<SkillQueryScore>();
                foreach (var query in queries)
                {
                    var hits = await search.SearchAsync(SkillSearchIndexer.Collection, query.Query, mode, Depth, new SearchFilter(Owner), ct);
                    scores.Add(Score(query, hits.Select(h => h.Document.Source ?? "").ToList(), hits));
                }
                reports.Add(new SkillModeReport(mode.ToString().ToLowerInvariant(), files.Count, documents.Count,
                    scores.Average(s => s.PrecisionAt1), scores.Average(s => s.PrecisionAt3), scores.Average(s => s.PrecisionAt5), scores.Average(s => s.Mrr), scores));
            }
            all.Add(reports);
        }
        return all;
    }

    private static ServiceProvider Services(string connectionString, IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? configuration)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Search:Provider"] = "Local" };
        foreach (var (key, value) in settings) merged[key] = value;
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>()) merged[key] = value;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddHearthSearch(new ConfigurationBuilder().AddInMemoryCollection(merged).Build());
        return services.BuildServiceProvider();
    }

    /// <summary>precision@k = sections of relevant files among the first k / k; MRR = 1 / rank of the first such section.</summary>
    public static SkillQueryScore Score(SkillQuery query, IReadOnlyList<string> paths, IReadOnlyList<SearchHit>? hits = null)
    {
        var relevant = query.Relevant.ToHashSet(StringComparer.Ordinal);
        double At(int k) => (double)paths.Take(k).Count(relevant.Contains) / k;
        var first = paths.Select((p, i) => (p, i)).FirstOrDefault(x => relevant.Contains(x.p), (p: "", i: -1)).i;
        var top = hits is null ? paths.Take(5).ToList()
            : hits.Take(5).Select(h => $"{(relevant.Contains(h.Document.Source ?? "") ? "+" : "-")} {h.Document.Source} § {Title(h.Document)} ({h.Score:0.000})").ToList();
        return new SkillQueryScore(query.Id, At(1), At(3), At(5), first < 0 ? 0 : 1.0 / (first + 1), top);
    }

    private static string Title(SearchDocument d) => d.Tags.FirstOrDefault(t => t.StartsWith("title=", StringComparison.Ordinal))?[6..] ?? "";

    /// <summary>A document per section of each text file, shaped as <see cref="SkillSearchIndexer"/> writes them (title, then the section's text).</summary>
    private static (List<SearchDocument> Documents, HashSet<string> Files) Documents(string corpus)
    {
        var documents = new List<SearchDocument>();
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var full in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var path = Path.GetRelativePath(corpus, full).Replace(Path.DirectorySeparatorChar, '/');
            files.Add(path);
            var split = SkillSplitter.Split(path, File.ReadAllBytes(full));
            if (split.IsBinary) continue;
            foreach (var section in split.Sections)
            {
                var title = section.Title.Replace("\0", "", StringComparison.Ordinal);
                var text = Encoding.UTF8.GetString(section.Content.Span).Replace("\0", "", StringComparison.Ordinal);
                documents.Add(new SearchDocument($"{path}#{section.Index}", Owner, title + "\n" + text)
                {
                    Kind = split.Type.ToName(),
                    Source = path,
                    Tags = [$"file={path}", $"key={section.Key}", $"title={title}", $"kind={section.Kind.ToName()}", $"lines={section.StartLine}-{section.EndLine}"],
                });
            }
        }
        return (documents, files);
    }
}
