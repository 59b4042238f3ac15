using System.ComponentModel.DataAnnotations;
using Hearth.Embeddings;
using Hearth.Search;

namespace Hearth.Functions.Search;

/// <summary>The search engine's settings as the host catalogues and checks them (the domain binds <see cref="SearchOptions"/>).</summary>
[SettingsSection("Search")]
public sealed class SearchSettings : IValidatableSettings
{
    [Setting("Local (PostgreSQL + in-process index) or AzureAISearch.")]
    public string Provider { get; set; } = "Local";

    [Setting("How deep each ranked list goes before Reciprocal Rank Fusion.")]
    [Range(1, 1000)]
    public int HybridCandidates { get; set; } = 50;

    [Setting("Weight of the BM25 list in hybrid fusion.")]
    public double Bm25Weight { get; set; } = 1.0;

    [Setting("Weight of the vector list in hybrid fusion.")]
    public double VectorWeight { get; set; } = 1.0;

    [Setting("Score fusion (calibrated models): the BM25 half is a score over max(the query's best, Bm25Scale × Σ idf of its terms); 2.2 (k1 + 1): over the highest score the query can reach; 0: over the query's best.")]
    [Range(0.0, 10.0)]
    public double Bm25Scale { get; set; } = 2.2;

    [Setting("Azure AI Search endpoint, e.g. https://<service>.search.windows.net (AzureAISearch only).")]
    public string? Endpoint { get; set; }

    [Setting("Azure AI Search admin key; without it the managed identity signs in.", Secret = true)]
    public string? ApiKey { get; set; }

    [Setting("Prefix of the Azure AI Search index names.")]
    public string IndexPrefix { get; set; } = "hearth-";

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (Provider is not ("Local" or "AzureAISearch"))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(Provider)), "must be Local or AzureAISearch");
        if (Bm25Weight < 0 || VectorWeight < 0 || Bm25Weight + VectorWeight == 0)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(Bm25Weight)), "weights must be non-negative and not both zero");
        if (Provider == "AzureAISearch" && string.IsNullOrWhiteSpace(Endpoint))
            yield return SettingProblem.Missing(context.KeyOf(nameof(Endpoint)), "required when Search:Provider is AzureAISearch");
    }
}

/// <summary>The embedder's settings as the host catalogues and checks them (the domain binds <see cref="EmbeddingOptions"/>).</summary>
[SettingsSection("Models:Embeddings")]
public sealed class EmbeddingSettings : IValidatableSettings
{
    [Setting("Local (the default: a sentence-embedding model in process, offline), Hashing (no semantics; fast test hosts), AzureOpenAI, OpenAI or OpenAICompatible.")]
    public string Provider { get; set; } = "Local";

    [Setting("Service base URL (AzureOpenAI: https://<resource>.openai.azure.com/openai/v1/).")]
    public string? Endpoint { get; set; }

    [Setting("Embedding model (Azure: the deployment name; Local: snowflake-arctic-embed-xs, the default, or all-minilm-l6-v2).")]
    public string? Model { get; set; }

    [Setting("API key; AzureOpenAI without a key signs in with the managed identity.", Secret = true)]
    public string? ApiKey { get; set; }

    [Setting("Vector size (hashing: 384).")]
    public int? Dimensions { get; set; }

    [Setting("Network timeout per request.")]
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    [Setting("Local: ONNX Runtime intra-op threads per run (default 1); a call runs cores ÷ threads runs side by side.")]
    public int? Threads { get; set; }

    [Setting("Local: prefix queries with the model's retrieval instruction (arctic-embed).")]
    public bool QueryInstruction { get; set; } = true;

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        var options = new EmbeddingOptions
        {
            Provider = Provider, Endpoint = Endpoint, Model = Model, ApiKey = ApiKey, Dimensions = Dimensions, TimeoutSeconds = TimeoutSeconds,
            Threads = Threads, QueryInstruction = QueryInstruction,
        };
        string? message = null;
        try
        {
            options.Validate();
        }
        catch (InvalidOperationException e)
        {
            message = e.Message;
        }
        if (message is not null)
        {
            // The domain names the key at the start of its message ("Models:Embeddings:Model is required ...").
            var key = message.Split(' ', 2)[0].TrimEnd(':', '.');
            yield return new SettingProblem(key.StartsWith("Models:Embeddings:", StringComparison.Ordinal) ? key : context.Section, $"Invalid setting: {message}");
        }
    }
}
