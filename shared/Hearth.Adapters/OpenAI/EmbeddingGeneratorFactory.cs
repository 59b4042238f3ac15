using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using Azure.Identity;
using Hearth.Embeddings;
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
    /// The embedder for the options. <paramref name="transport"/> replaces the HTTP transport (tests pass a fake);
    /// <paramref name="credential"/> replaces DefaultAzureCredential for keyless Azure OpenAI.
    /// </summary>
    public static IEmbeddingGenerator<string, Embedding<float>> Create(EmbeddingOptions options, PipelineTransport? transport = null, AuthenticationTokenProvider? credential = null)
    {
        options.Validate();
        if (options.Provider == "Hashing")
            return new HashingEmbeddingGenerator(options.Dimensions ?? HashingEmbeddingGenerator.DefaultDimensions);
        if (options.Provider == "Local")
            return new LocalModels.LocalEmbeddingGenerator(options.Model ?? EmbeddingOptions.DefaultLocalModel, options.Threads, options.QueryInstruction, options.Precision);
        return CreateRemote(options, transport, credential);
    }

    // Apart, and never inlined, so a host that embeds locally never loads the OpenAI SDK (~2 MB resident).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IEmbeddingGenerator<string, Embedding<float>> CreateRemote(EmbeddingOptions options, PipelineTransport? transport, AuthenticationTokenProvider? credential)
    {
        var endpoint = options.Endpoint is null ? null : new Uri(options.Endpoint.EndsWith('/') ? options.Endpoint : options.Endpoint + "/");
        var clientOptions = new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };
        if (endpoint is not null) clientOptions.Endpoint = endpoint;
        if (transport is not null) clientOptions.Transport = transport;

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
}
