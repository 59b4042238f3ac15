using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using Azure.Identity;
using Hearth.Adapters.Http;
using Hearth.Embeddings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;

namespace Hearth.Adapters.OpenAI;

/// <summary>Builds the configured embedder from <see cref="EmbeddingOptions"/> (<c>Models:Embeddings</c>).</summary>
public static class EmbeddingGeneratorFactory
{
    /// <summary>Scope of Azure OpenAI tokens for keyless (Entra ID) sign-in.</summary>
    public const string AzureOpenAIScope = "https://cognitiveservices.azure.com/.default";

    /// <summary>
    /// The embedder for the options. A network provider's requests go through <see cref="Resilience"/> (retries, per-try
    /// timeout, circuit breaker, timed by <paramref name="time"/>) over <paramref name="handler"/> (tests pass a fake at the
    /// HTTP boundary); the SDK's own retries are off. <paramref name="credential"/> replaces DefaultAzureCredential for
    /// keyless Azure OpenAI.
    /// </summary>
    public static IEmbeddingGenerator<string, Embedding<float>> Create(EmbeddingOptions options, HttpMessageHandler? handler = null, TimeProvider? time = null,
        AuthenticationTokenProvider? credential = null, ILogger? logger = null)
    {
        options.Validate();
        if (options.Provider == "Hashing")
            return new HashingEmbeddingGenerator(options.Dimensions ?? HashingEmbeddingGenerator.DefaultDimensions);
        if (options.Provider == "Local")
            return new LocalModels.LocalEmbeddingGenerator(options.Model ?? EmbeddingOptions.DefaultLocalModel, options.Threads, options.QueryInstruction, options.Precision);
        return CreateRemote(options, handler, time, credential, logger);
    }

    // Apart, and never inlined, so a host that embeds locally never loads the OpenAI SDK (~2 MB resident).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IEmbeddingGenerator<string, Embedding<float>> CreateRemote(EmbeddingOptions options, HttpMessageHandler? handler, TimeProvider? time,
        AuthenticationTokenProvider? credential, ILogger? logger)
    {
        var endpoint = options.Endpoint is null ? null : new Uri(options.Endpoint.EndsWith('/') ? options.Endpoint : options.Endpoint + "/");
        var resilience = Resilience(options);
        // Lives as long as the embedder (a singleton): connections are recycled to follow DNS changes.
        var http = new HttpClient(resilience.CreateHandler(time ?? TimeProvider.System,
            handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, logger))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = resilience.Budget,
            Transport = new HttpClientPipelineTransport(http),
        };
        if (endpoint is not null) clientOptions.Endpoint = endpoint;

        var model = options.Model!;
        EmbeddingClient client;
        if (options.Provider == "AzureOpenAI" && string.IsNullOrEmpty(options.ApiKey))
        {
            // Keyless Azure: Entra ID tokens (managed identity in Container Apps, az login on a laptop).
            var policy = new BearerTokenPolicy(credential ?? new DefaultAzureCredential(), AzureOpenAIScope);
            // The SDK marks the AuthenticationPolicy constructor experimental; it is the documented way to use Entra ID.
#pragma warning disable OPENAI001
            client = new EmbeddingClient(model, policy, clientOptions);
#pragma warning restore OPENAI001
        }
        else
        {
            // OpenAI-compatible servers without auth (Ollama) still get a bearer header; they ignore it.
            client = new EmbeddingClient(model, new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey), clientOptions);
        }
        var provider = options.Provider switch
        {
            "AzureOpenAI" => "azure.ai.openai",
            "OpenAI" => "openai",
            _ => "openai-compatible",
        };
        return new OpenAIEmbeddingGenerator(client, provider, endpoint ?? new Uri("https://api.openai.com/v1/"), model, options.Dimensions, options.BatchSize);
    }

    /// <summary>The embeddings client's retries, per-try timeout and circuit breaker, from <c>Models:Embeddings</c>.</summary>
    public static ProviderResilience Resilience(EmbeddingOptions options) => new($"Embeddings {options.Provider}/{options.Model}", options.MaxRetries,
        TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(options.TimeoutSeconds),
        options.BreakAfter, options.BreakDuration);
}
