using Hearth.Settings;

namespace Hearth.Embeddings;

/// <summary>
/// The embedder, bound from <c>Models:Embeddings</c> (environment: <c>Models__Embeddings__Provider</c> and so on),
/// configured like the chat models. Providers: <c>Local</c> (the default: a sentence-embedding model shipped in a NuGet
/// package, run in process on ONNX Runtime; <see cref="Model"/> <c>snowflake-arctic-embed-xs</c> or <c>all-minilm-l6-v2</c>),
/// <c>Hashing</c> (feature hashing, no semantics; for fast test hosts), <c>AzureOpenAI</c> (the v1 endpoint
/// <c>https://&lt;resource&gt;.openai.azure.com/openai/v1/</c>; without <see cref="ApiKey"/> it signs in with
/// DefaultAzureCredential), <c>OpenAI</c>, <c>OpenAICompatible</c> (Ollama, vLLM, LM Studio...).
/// </summary>
[SettingsSection(Section)]
public sealed record EmbeddingOptions : IValidatableSettings
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Models:Embeddings";

    /// <summary>The local model used when <see cref="Provider"/> is <c>Local</c> and no <see cref="Model"/> is named.</summary>
    public const string DefaultLocalModel = "snowflake-arctic-embed-xs";

    /// <summary>The precision the <c>Local</c> provider runs its model at unless <see cref="Precision"/> says otherwise.</summary>
    public const string DefaultPrecision = "int8";

    /// <summary>The models the <c>Local</c> provider ships.</summary>
    public static IReadOnlyList<string> LocalModels { get; } = [DefaultLocalModel, "all-minilm-l6-v2"];

    [Setting("Local (the default: a sentence-embedding model in process, offline), Hashing (no semantics; fast test hosts), AzureOpenAI, OpenAI or OpenAICompatible.")]
    public string Provider { get; init; } = "Local";
    /// <summary>Service base URL; required for AzureOpenAI and OpenAICompatible, optional for OpenAI.</summary>
    [Setting("Service base URL (AzureOpenAI: https://<resource>.openai.azure.com/openai/v1/).")]
    public string? Endpoint { get; init; }
    /// <summary>Model (Azure: deployment) name; required for the network providers; Local: one of <see cref="LocalModels"/>.</summary>
    [Setting("Embedding model (Azure: the deployment name; Local: snowflake-arctic-embed-xs, the default, or all-minilm-l6-v2).")]
    public string? Model { get; init; }
    /// <summary>API key; never logged. Optional for AzureOpenAI (Entra ID) and OpenAICompatible servers without auth.</summary>
    [Setting("API key; AzureOpenAI without a key signs in with the managed identity.", Secret = true)]
    public string? ApiKey { get; init; }
    /// <summary>Vector size. Hashing: 384 by default. Others: sent as <c>dimensions</c> (text-embedding-3 models can shorten); otherwise the model's own.</summary>
    [Setting("Vector size (hashing: 384); sent as dimensions to OpenAI-style models and checked on every vector.")]
    public int? Dimensions { get; init; }
    /// <summary>Timeout of one try of a request.</summary>
    [Setting("Network providers: timeout of one try of a request, in seconds (1-600).")]
    public int TimeoutSeconds { get; init; } = 60;
    /// <summary>Tries after the first of a request that failed with 408/429/5xx, a timeout or a network error.</summary>
    [Setting("Network providers: tries after the first on 408/429/5xx, timeouts and network errors (0-10).")]
    public int MaxRetries { get; init; } = 3;
    /// <summary>Failed requests within a minute, none succeeding, after which the service is not called for <see cref="BreakDuration"/> (0: never).</summary>
    [Setting("Network providers: failed requests within a minute, none succeeding, after which the service is not called for Models:Embeddings:BreakDuration (0: never).")]
    public int BreakAfter { get; init; } = 8;
    /// <summary>How long a service that kept failing is not called (its callers fail fast meanwhile; indexing jobs retry later).</summary>
    [Setting("Network providers: how long a service that kept failing is not called.")]
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Inputs per embeddings request; larger calls are split.</summary>
    [Setting("Inputs per embeddings request (1-2048); larger calls are split.")]
    public int BatchSize { get; init; } = 128;
    /// <summary>Local: ONNX Runtime intra-op threads per run (null: 1); a call runs cores ÷ threads runs at once.</summary>
    [Setting("Local: ONNX Runtime intra-op threads per run (default 1); a call runs cores ÷ threads runs side by side.")]
    public int? Threads { get; init; }
    /// <summary>Local: prefix queries with the model's retrieval instruction (arctic-embed is trained with one).</summary>
    [Setting("Local: prefix queries with the model's retrieval instruction (arctic-embed).")]
    public bool QueryInstruction { get; init; } = true;
    /// <summary>Local: <c>int8</c> (the packaged float model quantized when it is loaded: ~2-3× faster) or <c>float</c> (as packaged).</summary>
    [Setting("Local: int8 (the packaged model quantized at load, the default) or float (as packaged).")]
    public string Precision { get; init; } = DefaultPrecision;

    IEnumerable<SettingProblem> IValidatableSettings.Validate(SettingsContext context) => SettingRules.Check(Validate, context);

    /// <summary>Throws naming the key when the settings cannot work.</summary>
    public void Validate()
    {
        const string p = "Models:Embeddings:";
        if (Provider is not ("Local" or "Hashing" or "AzureOpenAI" or "OpenAI" or "OpenAICompatible"))
            throw new InvalidOperationException($"{p}Provider must be Local, Hashing, AzureOpenAI, OpenAI or OpenAICompatible, got '{Provider}'.");
        if (Provider == "Local" && Model is not null && !LocalModels.Contains(Model))
            throw new InvalidOperationException($"{p}Model must be one of {string.Join(", ", LocalModels)} for provider Local, got '{Model}'.");
        if (Provider == "Local" && Dimensions is not (null or 384))
            throw new InvalidOperationException($"{p}Dimensions cannot be changed for provider Local (its models have 384).");
        if (Precision is not ("int8" or "float")) throw new InvalidOperationException($"{p}Precision must be int8 or float, got '{Precision}'.");
        if (Threads is < 1 or > 64) throw new InvalidOperationException($"{p}Threads must be between 1 and 64.");
        if (Provider is not ("Hashing" or "Local") && string.IsNullOrWhiteSpace(Model))
            throw new InvalidOperationException($"{p}Model is required for provider {Provider}.");
        if (Provider is "AzureOpenAI" or "OpenAICompatible" && string.IsNullOrWhiteSpace(Endpoint))
            throw new InvalidOperationException($"{p}Endpoint is required for provider {Provider}.");
        if (Endpoint is not null && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
            throw new InvalidOperationException($"{p}Endpoint must be an absolute URL.");
        if (Provider == "OpenAI" && string.IsNullOrWhiteSpace(ApiKey))
            throw new InvalidOperationException($"{p}ApiKey is required for provider OpenAI.");
        if (Dimensions is < 1 or > 16384)
            throw new InvalidOperationException($"{p}Dimensions must be between 1 and 16384.");
        if (TimeoutSeconds is < 1 or > 600) throw new InvalidOperationException($"{p}TimeoutSeconds must be between 1 and 600.");
        if (MaxRetries is < 0 or > 10) throw new InvalidOperationException($"{p}MaxRetries must be between 0 and 10.");
        if (BreakAfter is 1 or < 0 or > 1000) throw new InvalidOperationException($"{p}BreakAfter must be 0 (never) or between 2 and 1000.");
        if (BreakDuration < TimeSpan.FromMilliseconds(500) || BreakDuration > TimeSpan.FromHours(1))
            throw new InvalidOperationException($"{p}BreakDuration must be between 00:00:00.5 and 01:00:00.");
        if (BatchSize is < 1 or > 2048) throw new InvalidOperationException($"{p}BatchSize must be between 1 and 2048.");
    }
}
