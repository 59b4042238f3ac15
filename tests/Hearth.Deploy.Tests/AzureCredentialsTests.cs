using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Search.Documents;
using Hearth.Deploy.Tests.Support;
using Hearth.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Deploy.Tests;

/// <summary>
/// Without a key, Azure OpenAI and Azure AI Search are called with a token of the app's identity; with a key, with the
/// key. The real SDK clients run; only the network is replaced (a handler that records requests).
/// </summary>
[Collection(RealHostCollection.Name)]
public sealed class AzureCredentialsTests(RealHost host)
{
    private const string OpenAIEndpoint = "https://cog-test.openai.azure.com/openai/v1/";
    private const string SearchEndpoint = "https://srch-test.search.windows.net";

    /// <summary>A token credential that hands out "token-for:&lt;scope&gt;" and remembers the scopes asked for.</summary>
    private sealed class RecordingCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes) Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("token-for:" + string.Join(" ", requestContext.Scopes), DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>Answers every request with a fixed JSON body and records the requests.</summary>
    private sealed class RecordingHandler(string body) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests) Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    private const string ChatCompletion = """
        {"id":"c1","object":"chat.completion","created":1700000000,"model":"chat",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}
        """;

    private static async Task<HttpRequestMessage> CompleteChatAsync(AzureCredentials credentials, string? apiKey)
    {
        var handler = new RecordingHandler(ChatCompletion);
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(OpenAIEndpoint),
            Transport = new HttpClientPipelineTransport(new HttpClient(handler)),
        };
#pragma warning disable OPENAI001 // authentication policies are marked experimental in the OpenAI SDK
        var client = new ChatClient("chat", credentials.ForAzureOpenAI(apiKey), options);
#pragma warning restore OPENAI001
        var completion = await client.CompleteChatAsync([new UserChatMessage("hi")]);
        Assert.Equal("hello", completion.Value.Content[0].Text);
        return Assert.Single(handler.Requests);
    }

    private static async Task<HttpRequestMessage> CountDocumentsAsync(AzureCredentials credentials, string? apiKey)
    {
        var handler = new RecordingHandler("0");
        var options = new SearchClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        var client = credentials.ForSearchIndex(new Uri(SearchEndpoint), "memories", apiKey, options);
        await client.GetDocumentCountAsync();
        return Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Azure_OpenAI_without_a_key_gets_a_managed_identity_token_for_cognitive_services()
    {
        var credential = new RecordingCredential();

        var request = await CompleteChatAsync(new AzureCredentials(credential), apiKey: null);

        Assert.Equal($"{OpenAIEndpoint}chat/completions", request.RequestUri!.ToString());
        Assert.Equal("Bearer", request.Headers.Authorization?.Scheme);
        Assert.Equal($"token-for:{AzureCredentials.CognitiveServicesScope}", request.Headers.Authorization?.Parameter);
        Assert.Equal([AzureCredentials.CognitiveServicesScope], credential.Scopes.Distinct());
        Assert.False(request.Headers.Contains("api-key"));
    }

    [Fact]
    public async Task Azure_OpenAI_with_a_key_sends_the_key_and_asks_no_token()
    {
        var credential = new RecordingCredential();

        var request = await CompleteChatAsync(new AzureCredentials(credential), apiKey: "the-key");

        Assert.Equal(["the-key"], request.Headers.GetValues("api-key"));
        Assert.Null(request.Headers.Authorization);
        Assert.Empty(credential.Scopes);
    }

    [Fact]
    public async Task Azure_AI_Search_without_a_key_gets_a_managed_identity_token_for_search()
    {
        var credential = new RecordingCredential();

        var request = await CountDocumentsAsync(new AzureCredentials(credential), apiKey: null);

        Assert.StartsWith($"{SearchEndpoint}/indexes('memories')/docs/$count", request.RequestUri!.ToString());
        Assert.Equal($"token-for:{AzureCredentials.SearchScope}", request.Headers.Authorization?.Parameter);
        Assert.False(request.Headers.Contains("api-key"));
    }

    [Fact]
    public async Task Azure_AI_Search_with_a_key_sends_the_key_and_asks_no_token()
    {
        var credential = new RecordingCredential();

        var request = await CountDocumentsAsync(new AzureCredentials(credential), apiKey: "search-key");

        Assert.Equal(["search-key"], request.Headers.GetValues("api-key"));
        Assert.Null(request.Headers.Authorization);
        Assert.Empty(credential.Scopes);
    }

    [Fact]
    public void The_host_offers_the_credentials_to_every_module()
    {
        Assert.NotNull(host.Factory.Services.GetRequiredService<AzureCredentials>());
        Assert.IsType<DefaultAzureCredential>(host.Factory.Services.GetRequiredService<TokenCredential>());
    }

    [Theory]
    [InlineData("11111111-2222-3333-4444-555555555555", typeof(ManagedIdentityCredential))]
    [InlineData("", typeof(DefaultAzureCredential))]
    public void The_managed_identity_is_used_when_its_client_id_is_set(string clientId, Type expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Azure:ManagedIdentityClientId"] = clientId;
        builder.AddAzureCredentials();
        using var built = builder.Build();

        Assert.IsType(expected, built.Services.GetRequiredService<TokenCredential>());
    }
}
