using Hearth.Adapters.OpenAI;
using Hearth.Functions.Chat;
using Hearth.Models;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Chat.Tests;

/// <summary>The chain and the OpenAI adapter against the fake server (the real SDK client runs).</summary>
public sealed class ModelChainTests : IAsyncLifetime
{
    private FakeOpenAiServer _a = null!;
    private FakeOpenAiServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await FakeOpenAiServer.StartAsync("key-a-0123456789");
        _b = await FakeOpenAiServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    // The providers' resilience pipelines run on this clock: retries wait no time (no delay, no Retry-After in these
    // tests but 0), per-try timeouts never fire on their own (a cold call of a loaded machine does not fall through),
    // and a circuit's break ends when the test moves the clock.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private ChatModelChain Chain(int maxRetries = 2, int breakAfter = 0) => new(
    [
        Provider(new ChatModelEndpoint(ChatModelProviderKind.OpenAICompatible, _a.V1, "model-a", "key-a-0123456789", TimeSpan.FromSeconds(15)), maxRetries, breakAfter),
        Provider(new ChatModelEndpoint(ChatModelProviderKind.OpenAICompatible, _b.V1, "model-b", null, TimeSpan.FromSeconds(15)), maxRetries, breakAfter),
    ], NullLogger<ChatModelChain>.Instance);

    private ChatModelProvider Provider(ChatModelEndpoint endpoint, int maxRetries, int breakAfter) =>
        OpenAiChatProviders.Create(endpoint, new ModelRetryOptions
        {
            MaxRetries = maxRetries, FirstDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, BreakAfter = breakAfter, BreakDuration = TimeSpan.FromSeconds(30),
        }.For(endpoint), _time);

    private static ModelRequest Request(Func<string>? offline = null) =>
        new("test", "You are a test.", [new ChatMessage(ChatRole.User, "hello")]) { OfflineAnswer = offline, Temperature = 0.5f, MaxOutputTokens = 50 };

    [Fact]
    public async Task The_adapter_sends_system_prompt_messages_options_and_key_and_reads_usage()
    {
        _a.Enqueue(FakeChatReply.Text("hi back", 11, 3));
        var reply = await Chain().CompleteAsync(Request(), default);
        Assert.Equal(("hi back", "openai-compatible", "model-a"), (reply.Text, reply.Provider, reply.Model));
        Assert.Equal(new TokenUsage(11, 3, 14), reply.Usage);
        var request = _a.Requests[^1];
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("You are a test.", request.System);
        Assert.Equal("hello", request.LastUser);
        Assert.Equal("Bearer key-a-0123456789", request.Authorization);
        Assert.Equal(0.5, request.Body["temperature"]!.GetValue<double>(), 3);
    }

    [Fact]
    public async Task Errors_fall_through_and_retries_follow_the_status()
    {
        _a.Enqueue(FakeChatReply.Error(503), FakeChatReply.Error(502), FakeChatReply.Error(500));
        var reply = await Chain().CompleteAsync(Request(), default);
        Assert.Equal("model-b", reply.Model);
        Assert.Equal(["http-500", "ok"], reply.Attempts.Select(a => a.Outcome)); // the last answer after the client's two retries
        Assert.Equal(3, _a.Requests.Count);

        _a.Enqueue(FakeChatReply.Error(400));
        var badRequest = await Chain().CompleteAsync(Request(), default);
        Assert.Equal(["http-400", "ok"], badRequest.Attempts.Select(a => a.Outcome));
        Assert.Equal(4, _a.Requests.Count); // not worth another try

        _a.Enqueue(FakeChatReply.Error(429, retryAfter: TimeSpan.FromSeconds(60)));
        var tooLong = await Chain().CompleteAsync(Request(), default);
        Assert.Equal(["http-429", "ok"], tooLong.Attempts.Select(a => a.Outcome));
        Assert.Equal(5, _a.Requests.Count); // Retry-After beyond Models:Retry:MaxRetryAfter: next provider at once
    }

    [Fact]
    public async Task A_transient_503_or_429_is_retried_by_the_providers_client_and_the_same_provider_answers()
    {
        _a.Enqueue(FakeChatReply.Error(503), FakeChatReply.Error(429, retryAfterMs: 0), FakeChatReply.Text("third time lucky", 7, 2));
        var reply = await Chain().CompleteAsync(Request(), default);
        Assert.Equal(("third time lucky", "model-a"), (reply.Text, reply.Model));
        Assert.Equal(["ok"], reply.Attempts.Select(a => a.Outcome));
        Assert.Equal(3, _a.Requests.Count);
        Assert.Empty(_b.Requests);
    }

    [Fact]
    public async Task A_provider_that_keeps_failing_is_skipped_without_being_called_until_its_break_ends()
    {
        var chain = Chain(maxRetries: 1, breakAfter: 4);
        _a.Responder = _ => FakeChatReply.Error(503);

        // Two turns: two tries each, every one failing; the fourth failure opens the circuit.
        for (var turn = 0; turn < 2; turn++)
            Assert.Equal(["http-503", "ok"], (await chain.CompleteAsync(Request(), default)).Attempts.Select(a => a.Outcome));
        Assert.Equal(4, _a.Requests.Count);

        // Open: the turn goes straight to the next provider and the failing server is not called at all.
        for (var turn = 0; turn < 5; turn++)
        {
            var skipped = await chain.CompleteAsync(Request(), default);
            Assert.Equal(["circuit-open", "ok"], skipped.Attempts.Select(a => a.Outcome));
            Assert.Equal("model-b", skipped.Model);
        }
        Assert.Equal(4, _a.Requests.Count);
        // With no provider left the turn degrades to the offline answer, as when the model is down.
        var alone = await new ChatModelChain([chain.Providers[0]], NullLogger<ChatModelChain>.Instance).CompleteAsync(Request(() => "offline words"), default);
        Assert.Equal(("offline words", "circuit-open"), (alone.Text, Assert.Single(alone.Attempts).Outcome));
        Assert.Equal(4, _a.Requests.Count);

        // Still open just before the break ends; after it, one call probes the recovered server and closes the circuit.
        _a.Responder = _ => FakeChatReply.Text("back again");
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("model-b", (await chain.CompleteAsync(Request(), default)).Model);
        Assert.Equal(4, _a.Requests.Count);
        _time.Advance(TimeSpan.FromSeconds(2));
        var probe = await chain.CompleteAsync(Request(), default);
        Assert.Equal(("back again", "model-a"), (probe.Text, probe.Model));
        Assert.Equal("model-a", (await chain.CompleteAsync(Request(), default)).Model);
        Assert.Equal(6, _a.Requests.Count);
    }

    [Fact]
    public async Task With_every_provider_down_the_offline_answer_is_labelled_or_the_chain_says_so()
    {
        _a.Responder = _ => FakeChatReply.Error(500);
        _b.Responder = _ => FakeChatReply.Error(500);
        var offline = await Chain(maxRetries: 0).CompleteAsync(Request(() => "offline words"), default);
        Assert.True(offline.IsOffline);
        Assert.Equal(("offline words", "offline"), (offline.Text, offline.Provider));
        var e = await Assert.ThrowsAsync<ModelUnavailableException>(() => Chain(maxRetries: 0).CompleteAsync(Request(), default));
        Assert.Equal(2, e.Attempts.Count);
        var none = new ChatModelChain([], NullLogger<ChatModelChain>.Instance);
        Assert.Equal("offline", (await none.CompleteAsync(Request(() => "x"), default)).Provider);
    }

    [Fact]
    public async Task A_stream_that_breaks_resets_and_continues_on_the_next_provider()
    {
        _a.Enqueue(new FakeChatReply(Content: "one two three four five six seven eight", FailMidStream: true));
        _b.Enqueue(FakeChatReply.Text("from b", 5, 2));
        var updates = new List<ModelStreamUpdate>();
        await foreach (var update in Chain().StreamAsync(Request(), default)) updates.Add(update);
        var reset = updates.FindIndex(u => u.Reset);
        Assert.True(reset > 0, "text came before the failure");
        Assert.Equal("from b", string.Concat(updates.Skip(reset + 1).Select(u => u.Delta)));
        var done = updates[^1].Completed!;
        Assert.Equal(("from b", "model-b"), (done.Text, done.Model));
        Assert.Equal(new TokenUsage(5, 2, 7), done.Usage);
        Assert.True(_a.Requests[^1].Stream);
    }

    [Fact]
    public void Azure_endpoints_use_the_v1_path_and_configuration_names_the_key_at_fault()
    {
        Assert.Equal("https://res.openai.azure.com/openai/v1/",
            OpenAiChatProviders.AddressOf(new ChatModelEndpoint(ChatModelProviderKind.AzureOpenAI, new Uri("https://res.openai.azure.com/"), "dep", "k", TimeSpan.FromSeconds(1))).ToString());
        Assert.Equal("https://res.openai.azure.com/openai/v1/",
            OpenAiChatProviders.AddressOf(new ChatModelEndpoint(ChatModelProviderKind.AzureOpenAI, new Uri("https://res.openai.azure.com/openai/v1"), "dep", null, TimeSpan.FromSeconds(1))).ToString());
        Assert.Equal("https://api.openai.com/v1/",
            OpenAiChatProviders.AddressOf(new ChatModelEndpoint(ChatModelProviderKind.OpenAI, null, "gpt-4o-mini", "k", TimeSpan.FromSeconds(1))).ToString());

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Models:Chat:0:Provider"] = "AzureOpenAI",
            ["Models:Chat:0:Endpoint"] = "https://res.openai.azure.com/",
            ["Models:Chat:0:Model"] = "gpt-4o",
            ["Models:Chat:1:Provider"] = "OpenAI",
            ["Models:Chat:1:Model"] = "gpt-4o-mini",
            ["Models:Chat:1:ApiKey"] = "sk-very-secret",
            ["Models:Chat:1:TimeoutSeconds"] = "12",
            ["Models:Chat:2:Provider"] = "Ollama",
            ["Models:Chat:3:Provider"] = "OpenAI",
            ["Models:Chat:3:Model"] = "gpt",
            ["Models:Chat:4:Provider"] = "OpenAICompatible",
            ["Models:Chat:4:Model"] = "llama3",
            ["Models:Chat:4:Endpoint"] = "ftp://nope",
            ["Models:Chat:4:TimeoutSeconds"] = "0",
        }).AddEnvironmentVariables("HEARTH_TEST_NONE_").Build();
        var problems = ChatModels.Read(configuration, out var endpoints);
        Assert.Equal([ChatModelProviderKind.AzureOpenAI, ChatModelProviderKind.OpenAI], endpoints.Select(e => e.Provider));
        Assert.Equal(TimeSpan.FromSeconds(12), endpoints[1].Timeout);
        Assert.Equal(TimeSpan.FromSeconds(30), endpoints[0].Timeout);
        Assert.Null(endpoints[0].ApiKey); // managed identity
        Assert.Equal(["Models:Chat:2:Provider", "Models:Chat:2:Model", "Models:Chat:3:ApiKey", "Models:Chat:4:Endpoint", "Models:Chat:4:TimeoutSeconds"], problems.Select(p => p.Key));
        Assert.DoesNotContain(problems, p => p.Message.Contains("sk-very-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Environment_variables_configure_the_chain()
    {
        Environment.SetEnvironmentVariable("HEARTH_CHAIN_TEST_Models__Chat__0__Provider", "OpenAICompatible");
        Environment.SetEnvironmentVariable("HEARTH_CHAIN_TEST_Models__Chat__0__Endpoint", "http://127.0.0.1:11434/v1");
        Environment.SetEnvironmentVariable("HEARTH_CHAIN_TEST_Models__Chat__0__Model", "llama3.2");
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables("HEARTH_CHAIN_TEST_").Build();
            Assert.Empty(ChatModels.Read(configuration, out var endpoints));
            var endpoint = Assert.Single(endpoints);
            Assert.Equal(("llama3.2", "http://127.0.0.1:11434/v1"), (endpoint.Model, endpoint.Endpoint!.ToString()));
        }
        finally
        {
            foreach (var key in new[] { "Provider", "Endpoint", "Model" }) Environment.SetEnvironmentVariable($"HEARTH_CHAIN_TEST_Models__Chat__0__{key}", null);
        }
    }
}
