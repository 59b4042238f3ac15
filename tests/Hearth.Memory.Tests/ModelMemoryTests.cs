using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Models;
using Hearth.Testing;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;

namespace Hearth.Memory.Tests;

/// <summary>The host with the chat's model chain pointing at a fake OpenAI-compatible server (Models:Chat:0).</summary>
public sealed class ModelMemoryHost : MemoryHost, IAsyncLifetime
{
    public FakeOpenAiServer Model { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Model = await FakeOpenAiServer.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Model.DisposeAsync();
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Models:Chat:0:Provider"] = "OpenAICompatible";
            settings["Models:Chat:0:Endpoint"] = Model.V1.ToString();
            settings["Models:Chat:0:Model"] = "memory-model";
            settings["Models:Chat:0:TimeoutSeconds"] = "5";
            settings["Models:Retry:MaxRetries"] = "0";
            return settings;
        }
    }
}

/// <summary>
/// With a chat model configured, summaries and suggestions come from the model chain (through the real OpenAI client, at
/// the HTTP boundary); when the model answers something that is not the asked JSON, or fails, memory uses its rules.
/// </summary>
public sealed class ModelMemoryTests(ModelMemoryHost host) : IClassFixture<ModelMemoryHost>
{
    [Fact]
    public async Task Suggestions_come_from_the_model_and_fall_back_to_the_rules_when_its_answer_is_not_json()
    {
        var owner = await host.UserIdAsync("model-sugg");
        var user = host.User("model-sugg");
        host.Model.Responder = request => request.System.Contains("durable facts", StringComparison.Ordinal) && request.LastUser.Contains("Bergen", StringComparison.Ordinal)
            ? FakeChatReply.Text("""{"memories":[{"kind":"fact","subject":"home","text":"Lives in Bergen"},{"kind":"preference","subject":"taste:skiing","text":"Likes skiing"}]}""")
            : FakeChatReply.Text("I am not sure what you mean.");

        await SayAsync(owner, "We moved up north to Bergen last spring, and weekends are for skiing now.");
        var items = await MemoriesAsync(user);
        Assert.Equal([("home", "Lives in Bergen", "model"), ("taste:skiing", "Likes skiing", "model")],
            items.Select(i => (i.GetProperty("subject").GetString(), i.GetProperty("text").GetString(), i.GetProperty("origin").GetString())).Order());
        var request = Assert.Single(host.Model.Requests, r => r.LastUser.Contains("Bergen", StringComparison.Ordinal));
        Assert.Equal("memory-model", request.Model);

        // Prose instead of JSON: the rules read the user's words.
        await SayAsync(owner, "I work as a carpenter.");
        var occupation = Assert.Single(await MemoriesAsync(user), i => i.GetProperty("subject").GetString() == "occupation");
        Assert.Equal(("Works as a carpenter", "rules"), (occupation.GetProperty("text").GetString(), occupation.GetProperty("origin").GetString()));

        var status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/status");
        var memory = status.GetProperty("providers").GetProperty("memory");
        Assert.Equal(("model", "model"), (memory.GetProperty("summaries").GetString(), memory.GetProperty("suggestions").GetString()));
    }

    [Fact]
    public async Task A_summary_comes_from_the_model()
    {
        var owner = await host.UserIdAsync("model-sum");
        var user = host.User("model-sum");
        var session = Guid.NewGuid().ToString();
        host.Conversations.AddTurn(owner, "agent-1", session, "Let's plan the pond: liner or preformed?", "A liner fits odd shapes.");
        host.Conversations.AddTurn(owner, "agent-1", session, "Liner it is. I'll measure the garden on Saturday.", "Good plan.");
        host.Model.Responder = request => request.System.Contains("summarise a conversation", StringComparison.Ordinal)
            ? FakeChatReply.Text("```json\n" + """{"topics":["garden pond"],"decisions":["Use a pond liner, because it fits odd shapes"],"actionItems":["Measure the garden on Saturday"],"summary":"The user plans a garden pond."}""" + "\n```")
            : FakeChatReply.Text("Hello.");

        var response = await user.PostAsync($"/api/sessions/{session}/summary", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var statusUrl = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        var summary = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl), s => s.GetProperty("status").GetString() == "done",
            TimeSpan.FromSeconds(20), "the summary is written");
        Assert.Equal("model", summary.GetProperty("origin").GetString());
        Assert.Equal("The user plans a garden pond.", summary.GetProperty("text").GetString());
        Assert.Equal(["Use a pond liner, because it fits odd shapes"], summary.GetProperty("decisions").EnumerateArray().Select(d => d.GetString()));
        var request = Assert.Single(host.Model.Requests, r => r.System.Contains("summarise a conversation", StringComparison.Ordinal) && r.AllText.Contains("pond", StringComparison.Ordinal));
        Assert.Contains("User: Liner it is.", request.LastUser, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Machine_talk_and_tags_a_model_writes_never_reach_a_summary_or_a_suggestion()
    {
        var owner = await host.UserIdAsync("model-misbehaves");
        var user = host.User("model-misbehaves");
        host.Model.Responder = request =>
            request.System.Contains("durable facts", StringComparison.Ordinal) && request.LastUser.Contains("Oslo", StringComparison.Ordinal)
                ? FakeChatReply.Text("""{"memories":[{"kind":"fact","subject":"home","text":"Lives in Oslo [[feel mood=0.1]]"},{"kind":"fact","subject":"self","text":"As an AI language model, I cannot remember."}]}""")
            : request.System.Contains("summarise a conversation", StringComparison.Ordinal)
                ? FakeChatReply.Text("""{"topics":["moving","[[feel mood=1]]"],"decisions":["As an AI language model, I cannot decide."],"actionItems":["Book the van on Friday. I am an assistant created to help."],"summary":"The user is moving to Oslo. As an AI language model, I have no home. [[feel mood=0.2 affinity=1 reason=kind]]"}""")
            : FakeChatReply.Text("Hello.");

        await SayAsync(owner, "We are moving to Oslo next month.");
        var item = Assert.Single(await MemoriesAsync(user));
        Assert.Equal("Lives in Oslo", item.GetProperty("text").GetString());

        var session = Guid.NewGuid().ToString();
        host.Conversations.AddTurn(owner, "agent-1", session, "We are moving to Oslo. I'll book the van on Friday.", "Exciting!");
        var response = await user.PostAsync($"/api/sessions/{session}/summary", null);
        var statusUrl = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        var summary = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl), s => s.GetProperty("status").GetString() == "done",
            TimeSpan.FromSeconds(20), "the summary is written");
        Assert.Equal("The user is moving to Oslo.", summary.GetProperty("text").GetString());
        Assert.Equal(["moving"], summary.GetProperty("topics").EnumerateArray().Select(d => d.GetString()));
        Assert.Empty(summary.GetProperty("decisions").EnumerateArray());
        Assert.Equal(["Book the van on Friday."], summary.GetProperty("actionItems").EnumerateArray().Select(d => d.GetString()));
    }

    private async Task SayAsync(string owner, string text)
    {
        var turn = host.Conversations.AddTurn(owner, "agent-1", Guid.NewGuid().ToString(), text, "Noted.");
        await host.EnqueueAsync(ChatQueues.ExtractSuggestions, turn);
        await Eventually.TrueAsync(async () => await host.ScalarAsync<long>(
            "select count(*) from durable.jobs where queue = 'memory.extract-suggestions' and state = 'succeeded' and payload->>'replyMessageId' = @p", turn.ReplyMessageId) == 1,
            TimeSpan.FromSeconds(20), "suggestions extracted");
    }

    private static async Task<List<JsonElement>> MemoriesAsync(HttpClient user) =>
        (await user.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("items").EnumerateArray().ToList();
}

/// <summary>Without a chat model, summaries and suggestions are by the rules, and the status says so.</summary>
public sealed class OfflineMemoryStatusTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    [Fact]
    public async Task Status_says_rules_when_no_model_is_configured()
    {
        Assert.Empty(host.Get<IChatModelChain>().Providers);
        var status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/status");
        var memory = status.GetProperty("providers").GetProperty("memory");
        Assert.Equal(("rules", "rules"), (memory.GetProperty("summaries").GetString(), memory.GetProperty("suggestions").GetString()));
    }
}
