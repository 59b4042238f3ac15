using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.Core;
using Azure.Identity;
using Hearth.Adapters.Http;
using Hearth.Models;
using Microsoft.Extensions.Logging;
using OpenAI;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Hearth.Adapters.OpenAI;

/// <summary>Which kind of endpoint a configured chat model is.</summary>
public enum ChatModelProviderKind
{
    /// <summary>Azure OpenAI through its v1 endpoint (<c>https://&lt;resource&gt;.openai.azure.com/openai/v1/</c>); key or managed identity.</summary>
    AzureOpenAI,
    /// <summary>api.openai.com (or the given endpoint); key required.</summary>
    OpenAI,
    /// <summary>Any OpenAI-compatible server (Ollama, vLLM, LM Studio); key optional.</summary>
    OpenAICompatible,
}

/// <summary>One configured chat model (<c>Models:Chat:N</c>).</summary>
/// <param name="Model">Model name; for Azure, the deployment name.</param>
/// <param name="Timeout">Per try.</param>
/// <param name="MaxRetries">Tries after the first on 408/429/5xx; null: <c>Models:Retry:MaxRetries</c>.</param>
public sealed record ChatModelEndpoint(ChatModelProviderKind Provider, Uri? Endpoint, string Model, string? ApiKey, TimeSpan Timeout, int? MaxRetries = null);

/// <summary>Builds <see cref="ChatModelProvider"/>s (the chain's links) from configured endpoints.</summary>
public static class OpenAiChatProviders
{
    /// <summary>The scope of Azure OpenAI tokens (managed identity / developer sign-in).</summary>
    public const string AzureScope = "https://cognitiveservices.azure.com/.default";

    public static readonly Uri OpenAiEndpoint = new("https://api.openai.com/v1/");

    /// <summary>
    /// A chain link for <paramref name="endpoint"/>, on an HTTP client of its own whose resilience pipeline
    /// (<paramref name="resilience"/>: retries, per-try timeout, circuit breaker, timed by <paramref name="time"/>) is the
    /// provider's; so one provider's open circuit never stops another. The SDK's own retries are off, and its network
    /// timeout (which also bounds a stalled stream) is the pipeline's whole budget.
    /// </summary>
    public static ChatModelProvider Create(ChatModelEndpoint endpoint, ProviderResilience resilience, TimeProvider time, ILogger? logger = null,
        TokenCredential? azureCredential = null)
    {
        var address = AddressOf(endpoint);
        // Lives as long as the chain (a singleton): connections are recycled to follow DNS changes.
        var http = new HttpClient(resilience.CreateHandler(time, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, logger))
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        var options = new OpenAIClientOptions
        {
            Endpoint = address,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = resilience.Budget,
            Transport = new HttpClientPipelineTransport(http),
        };

        ChatClient client;
        if (!string.IsNullOrWhiteSpace(endpoint.ApiKey))
            client = new ChatClient(endpoint.Model, new ApiKeyCredential(endpoint.ApiKey), options);
#pragma warning disable OPENAI001 // the AuthenticationPolicy constructor is marked experimental; it is the SDK's only way to send tokens or no credential
        else if (endpoint.Provider == ChatModelProviderKind.AzureOpenAI)
            client = new ChatClient(endpoint.Model, new BearerTokenPolicy(azureCredential ?? new DefaultAzureCredential(), AzureScope), options);
        else if (endpoint.Provider == ChatModelProviderKind.OpenAICompatible)
            client = new ChatClient(endpoint.Model, new NoAuthenticationPolicy(), options);
#pragma warning restore OPENAI001
        else
            throw new ArgumentException("OpenAI needs an API key.", nameof(endpoint));

        var name = NameOf(endpoint.Provider);
        return new ChatModelProvider(name, endpoint.Model, new OpenAiErrorsChatClient(client.AsIChatClient()), endpoint.Timeout,
            address.GetLeftPart(UriPartial.Path));
    }

    /// <summary>The label replies and status show: <c>azure-openai</c>, <c>openai</c>, <c>openai-compatible</c>.</summary>
    public static string NameOf(ChatModelProviderKind kind) => kind switch
    {
        ChatModelProviderKind.AzureOpenAI => "azure-openai",
        ChatModelProviderKind.OpenAI => "openai",
        _ => "openai-compatible",
    };

    /// <summary>The base address the SDK calls (<c>…/chat/completions</c> is appended). Azure resource roots get <c>openai/v1/</c>.</summary>
    public static Uri AddressOf(ChatModelEndpoint endpoint)
    {
        var uri = endpoint.Endpoint ?? (endpoint.Provider == ChatModelProviderKind.OpenAI
            ? OpenAiEndpoint
            : throw new ArgumentException($"{endpoint.Provider} needs an endpoint.", nameof(endpoint)));
        var text = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (endpoint.Provider == ChatModelProviderKind.AzureOpenAI && !text.EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase))
            text += "/openai/v1";
        return new Uri(text + "/");
    }

    /// <summary>OpenAI-compatible servers without keys (a local Ollama): no Authorization header at all.</summary>
    private sealed class NoAuthenticationPolicy : AuthenticationPolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessNext(message, pipeline, currentIndex);

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessNextAsync(message, pipeline, currentIndex);
    }
}
