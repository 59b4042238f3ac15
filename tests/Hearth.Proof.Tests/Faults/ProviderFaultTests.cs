using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Faults;

/// <summary>How the fake model answers (<see cref="None"/>: a good answer).</summary>
public enum ModelFault { None, Garbage, Error500, Error429, Hang, EmptyChoices }

/// <summary>The proof host with one model (a loopback server that misbehaves on demand) and Fal pointing at the fake.</summary>
public sealed class FaultHost : ProofHost, IAsyncLifetime
{
    public FakeFalServer Fal { get; private set; } = null!;

    public LoopbackServer Model { get; private set; } = null!;

    public volatile ModelFault Fault;

    public int ModelCalls;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Fal = await FakeFalServer.StartAsync();
        Model = await LoopbackServer.StartAsync(AnswerAsync);
        await InitializeAsync();
        Fal.DeliverWebhooksThrough(Factory.Server.CreateHandler());
        // xunit's order put EmptyChoices first: its cold first call outlasted the timeout and "the model was not even asked".
        Fault = ModelFault.None;
        await ModelWarmUp.RunAsync(Factory.Services);
    }

    private async Task AnswerAsync(HttpContext http)
    {
        Interlocked.Increment(ref ModelCalls);
        switch (Fault)
        {
            case ModelFault.Garbage:
                http.Response.ContentType = "text/html";
                await http.Response.WriteAsync("<html><body>502 Bad Gateway (from a proxy)</body></html>{\"choices\":");
                break;
            case ModelFault.Error500:
                http.Response.StatusCode = 500;
                await http.Response.WriteAsJsonAsync(new { error = new { message = "The server had an error", type = "server_error" } });
                break;
            case ModelFault.Error429:
                http.Response.StatusCode = 429;
                http.Response.Headers.RetryAfter = "3600"; // longer than the chain waits: it must not wait an hour
                await http.Response.WriteAsJsonAsync(new { error = new { message = "Rate limit reached", type = "rate_limit_exceeded" } });
                break;
            case ModelFault.Hang:
                await Task.Delay(TimeSpan.FromMinutes(5), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case ModelFault.None:
                await http.Response.WriteAsJsonAsync(new
                {
                    id = "ok", @object = "chat.completion", created = 0, model = "m",
                    choices = new[] { new { index = 0, finish_reason = "stop", message = new { role = "assistant", content = "Hello there." } } },
                });
                break;
            case ModelFault.EmptyChoices:
                await http.Response.WriteAsJsonAsync(new { id = "x", @object = "chat.completion", created = 0, model = "m", choices = Array.Empty<object>() });
                break;
        }
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Models:Chat:0:Provider"] = "OpenAICompatible";
            settings["Models:Chat:0:Endpoint"] = new Uri(Model.BaseUrl, "/v1/").ToString();
            settings["Models:Chat:0:Model"] = "faulty-model";
            settings["Models:Chat:0:ApiKey"] = "sk-faulty-0123456789";
            // Long enough for a request to leave a loaded machine, short enough for the hanging model's case.
            settings["Models:Chat:0:TimeoutSeconds"] = "3";
            settings["Models:Retry:MaxRetries"] = "1";
            settings["Models:Retry:FirstDelay"] = "00:00:00.010";
            settings["Fal:Key"] = Fal.ApiKey;
            settings["Fal:QueueBaseUrl"] = Fal.BaseUrl.ToString();
            settings["Fal:JwksUrl"] = Fal.JwksUrl.ToString();
            settings["Fal:PublicBaseUrl"] = "http://hearth.test";
            settings["Fal:RequestTimeout"] = "00:00:03";
            settings["Pictures:SubmitAttempts"] = "2";
            settings["Pictures:SubmitRetryInterval"] = "00:00:00.050";
            return settings;
        }
    }
}

/// <summary>
/// The model and Fal answering 429, 500, garbage or nothing at all: the user gets an answer or a clear failure, never a
/// hung request, never a half-made picture. (Retries and fall-through between two models are in Hearth.Chat.Tests'
/// ModelChatTests; Fal's client on its own in Hearth.Images.Tests' FalQueueClientTests.)
/// </summary>
public sealed class ProviderFaultTests(FaultHost host) : IClassFixture<FaultHost>
{
    [Theory]
    [InlineData(ModelFault.Garbage)]
    [InlineData(ModelFault.Error500)]
    [InlineData(ModelFault.Error429)]
    [InlineData(ModelFault.Hang)]
    [InlineData(ModelFault.EmptyChoices)]
    public async Task A_model_that_fails_in_any_way_still_gets_the_user_a_labelled_offline_reply(ModelFault fault)
    {
        var user = host.User("model-" + fault);
        var agent = await ProofHost.CreateAgentAsync(user);
        host.Fault = fault;
        var before = Volatile.Read(ref host.ModelCalls);

        using var response = await user.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "Hi! How are you today?", clientMessageId = "fault-1" });

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{fault}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var turn = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("offline", turn.GetProperty("provider").GetString());
        Assert.False(string.IsNullOrWhiteSpace(turn.GetProperty("reply").GetProperty("text").GetString()));
        Assert.True(Volatile.Read(ref host.ModelCalls) > before, "the model was not even asked");
        // Exactly one exchange was stored, and the retry with the same id replays it.
        using var again = await user.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "Hi! How are you today?", clientMessageId = "fault-1" });
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetBoolean());
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from chat.messages where agent_id = $1::uuid", Guid.Parse(agent)));
    }

    [Fact]
    public async Task Fal_answering_429_then_taking_the_request_makes_the_picture_once()
    {
        var user = host.User("fal-429");
        var agent = await ProofHost.CreateAgentAsync(user);
        host.Fal.FailNextSubmits(1, 429, TimeSpan.FromMilliseconds(10));

        var job = await FinishedAsync(user, await ProofHost.RequestPictureAsync(user, agent));

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Single(job.GetProperty("images").EnumerateArray());
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where image_job_id = $1 and kind = 'picture'", job.GetProperty("id").GetString()!));
    }

    [Theory]
    [InlineData(FakeFalEndpoint.Submit, false)]
    [InlineData(FakeFalEndpoint.Submit, true)]
    public async Task Fal_answering_garbage_or_nothing_fails_the_job_with_a_reason_and_stores_nothing(FakeFalEndpoint endpoint, bool hang)
    {
        var user = host.User($"fal-{(hang ? "hang" : "garbage")}");
        var agent = await ProofHost.CreateAgentAsync(user);
        if (hang) host.Fal.Behavior.Hang = endpoint; else host.Fal.Behavior.Garbage = endpoint;
        try
        {
            var job = await FinishedAsync(user, await ProofHost.RequestPictureAsync(user, agent));

            Assert.Equal("failed", job.GetProperty("status").GetString());
            var reason = job.GetProperty("reason").GetString()!;
            Assert.Contains("Fal did not take the request after 2 attempt(s)", reason);
            Assert.Empty(job.GetProperty("images").EnumerateArray());
            Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from images.job_images where job_id = $1", job.GetProperty("id").GetString()!));
            Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where image_job_id = $1 and kind = 'picture'", job.GetProperty("id").GetString()!));
        }
        finally
        {
            host.Fal.Behavior.Hang = FakeFalEndpoint.None;
            host.Fal.Behavior.Garbage = FakeFalEndpoint.None;
        }
    }

    private async Task<JsonElement> FinishedAsync(HttpClient client, string jobId)
    {
        var status = await host.Factory.Services.GetRequiredService<IOrchestrationClient>().WaitForCompletionAsync(jobId, TimeSpan.FromSeconds(60));
        Assert.True(status is { IsFinished: true }, $"picture job {jobId} did not finish: {status?.Status} {status?.CustomStatus}");
        return await client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}");
    }
}
