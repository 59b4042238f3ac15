using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using Azure.Core;
using Hearth.Adapters.OpenAI;
using Hearth.Embeddings;
using Hearth.Testing.Host;
using Microsoft.Extensions.AI;

namespace Hearth.Search.Tests;

public sealed class OpenAIEmbeddingTests
{
    // An OpenAI-compatible /embeddings endpoint: vector i of a request is [i + 1, 0.5, -1] (base64 float32 when asked).
    private static HttpResponseMessage Embeddings(CapturedRequest request, int dimensions = 3)
    {
        var inputs = request.Json.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToList();
        var base64 = request.Json.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
        var data = inputs.Select((_, i) =>
        {
            var vector = new float[dimensions];
            vector[0] = i + 1;
            if (dimensions > 1) vector[1] = 0.5f;
            if (dimensions > 2) vector[2] = -1;
            object embedding = base64 ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())) : vector;
            return new { @object = "embedding", index = i, embedding };
        }).Reverse().ToList(); // out of order on purpose: the client must use each item's index
        return FakeHttp.Json(new { @object = "list", data, model = "m", usage = new { prompt_tokens = inputs.Count, total_tokens = inputs.Count } });
    }

    private static IEmbeddingGenerator<string, Embedding<float>> Create(FakeHttp http, EmbeddingOptions options, AuthenticationTokenProvider? credential = null) =>
        EmbeddingGeneratorFactory.Create(options, http, credential: credential);

    [Fact]
    public async Task Openai_compatible_requests_carry_model_inputs_and_dimensions_in_batches()
    {
        var http = new FakeHttp(r => Embeddings(r));
        var embedder = Create(http, new EmbeddingOptions
        {
            Provider = "OpenAICompatible", Endpoint = "http://127.0.0.1:11434/v1", Model = "nomic-embed-text", ApiKey = "sk-test-secret",
            Dimensions = 3, BatchSize = 2,
        });

        var result = await embedder.GenerateAsync(["one", "two", "three", "four", "five"]);

        Assert.Equal(3, http.Requests.Count);
        Assert.All(http.Requests, r =>
        {
            Assert.Equal(HttpMethod.Post, r.Method);
            Assert.Equal("http://127.0.0.1:11434/v1/embeddings", r.Uri.ToString());
            Assert.Equal("Bearer sk-test-secret", r.Headers["authorization"]);
            Assert.Equal("nomic-embed-text", r.Json.GetProperty("model").GetString());
            Assert.Equal(3, r.Json.GetProperty("dimensions").GetInt32());
        });
        Assert.Equal([["one", "two"], ["three", "four"], ["five"]],
            http.Requests.Select(r => r.Json.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToArray()).ToArray());
        Assert.Equal(5, result.Count);
        // Order follows the inputs, whatever order the service answered in.
        Assert.Equal([1f, 2f, 1f, 2f, 1f], result.Select(e => e.Vector.Span[0]));
        Assert.Equal([1f, 0.5f, -1f], result[0].Vector.ToArray());
        Assert.Equal(5, result.Usage!.InputTokenCount);
        var metadata = embedder.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(("nomic-embed-text", 3), (metadata.DefaultModelId, metadata.DefaultModelDimensions));
    }

    [Fact]
    public async Task Azure_openai_uses_the_v1_endpoint_with_a_key()
    {
        var http = new FakeHttp(r => Embeddings(r));
        var embedder = Create(http, new EmbeddingOptions
        {
            Provider = "AzureOpenAI", Endpoint = "https://my-resource.openai.azure.com/openai/v1/", Model = "text-embedding-3-small", ApiKey = "azure-key",
        });

        await embedder.GenerateAsync(["hello"]);

        var request = Assert.Single(http.Requests);
        Assert.Equal("https://my-resource.openai.azure.com/openai/v1/embeddings", request.Uri.ToString());
        Assert.Contains("azure-key", request.Headers["authorization"]);
        Assert.Equal("text-embedding-3-small", request.Json.GetProperty("model").GetString());
        Assert.False(request.Json.TryGetProperty("dimensions", out _));
    }

    [Fact]
    public async Task Azure_openai_without_a_key_signs_in_for_the_cognitive_services_scope()
    {
        var http = new FakeHttp(r => Embeddings(r));
        var credential = new RecordingCredential();
        var embedder = Create(http, new EmbeddingOptions
        {
            Provider = "AzureOpenAI", Endpoint = "https://my-resource.openai.azure.com/openai/v1/", Model = "emb",
        }, credential);

        await embedder.GenerateAsync(["hello"]);

        Assert.Equal("Bearer entra-token", Assert.Single(http.Requests).Headers["authorization"]);
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], credential.Scopes);
    }

    [Fact]
    public async Task Wrong_dimensions_from_the_service_fail_clearly()
    {
        var http = new FakeHttp(r => Embeddings(r, dimensions: 2));
        var embedder = Create(http, new EmbeddingOptions { Provider = "OpenAI", Model = "m", ApiKey = "k", Dimensions = 3 });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => embedder.GenerateAsync(["x"]));
        Assert.Contains("returned 2 dimensions, but 3 were configured", error.Message);
    }

    [Fact]
    public async Task A_rejected_key_does_not_leak_into_the_error()
    {
        var http = new FakeHttp(_ => FakeHttp.Status(HttpStatusCode.Unauthorized, """{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"""));
        var embedder = Create(http, new EmbeddingOptions { Provider = "OpenAI", Model = "m", ApiKey = "sk-very-secret" });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => embedder.GenerateAsync(["x"]));
        Assert.Equal(401, error.Status);
        Assert.DoesNotContain("sk-very-secret", error.ToString());
    }

    [Fact]
    public async Task A_transient_503_is_retried_and_a_service_failing_every_call_is_not_called_until_its_break_ends()
    {
        // Backoff waits run on real timers (half a second); the break ends when the test moves the clock.
        var clock = new ManualTime(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var options = new EmbeddingOptions { Provider = "OpenAI", Model = "m", ApiKey = "k", MaxRetries = 1, BreakAfter = 4, BreakDuration = TimeSpan.FromMinutes(1) };
        var failures = 1;
        var flaky = new FakeHttp(r => Interlocked.Decrement(ref failures) >= 0 ? FakeHttp.Status(HttpStatusCode.ServiceUnavailable) : Embeddings(r));
        Assert.Single(await EmbeddingGeneratorFactory.Create(options, flaky, clock).GenerateAsync(["x"]));
        Assert.Equal(2, flaky.Requests.Count);

        var down = true;
        var http = new FakeHttp(r => down ? FakeHttp.Status(HttpStatusCode.ServiceUnavailable) : Embeddings(r));
        var embedder = EmbeddingGeneratorFactory.Create(options, http, clock);
        for (var call = 0; call < 2; call++)
            Assert.Equal(503, (await Assert.ThrowsAsync<ClientResultException>(() => embedder.GenerateAsync(["x"]))).Status);
        Assert.Equal(4, http.Requests.Count);
        for (var call = 0; call < 5; call++)
            await Assert.ThrowsAsync<Polly.CircuitBreaker.BrokenCircuitException>(() => embedder.GenerateAsync(["x"]));
        Assert.Equal(4, http.Requests.Count); // open: the service is not called

        down = false;
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Single(await embedder.GenerateAsync(["x"]));
        Assert.Equal(5, http.Requests.Count);
    }

    [Fact]
    public void Configuration_errors_name_the_key()
    {
        Assert.Contains("Models:Embeddings:Provider", Assert.Throws<InvalidOperationException>(() => new EmbeddingOptions { Provider = "Cohere" }.Validate()).Message);
        Assert.Contains("Models:Embeddings:Model", Assert.Throws<InvalidOperationException>(() => new EmbeddingOptions { Provider = "OpenAI", ApiKey = "k" }.Validate()).Message);
        Assert.Contains("Models:Embeddings:Endpoint", Assert.Throws<InvalidOperationException>(() => new EmbeddingOptions { Provider = "AzureOpenAI", Model = "m" }.Validate()).Message);
        Assert.IsType<Hearth.Adapters.LocalModels.LocalEmbeddingGenerator>(EmbeddingGeneratorFactory.Create(new EmbeddingOptions()));
        Assert.IsType<HashingEmbeddingGenerator>(EmbeddingGeneratorFactory.Create(new EmbeddingOptions { Provider = "Hashing" }));
        Assert.Equal(768, ((HashingEmbeddingGenerator)EmbeddingGeneratorFactory.Create(new EmbeddingOptions { Provider = "Hashing", Dimensions = 768 })).Dimensions);
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("entra-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
