using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;

namespace Hearth.Chat.Tests;

/// <summary>
/// The host with one fake OpenAI-compatible model for everything: chat replies and memory's suggestions (the memory model
/// is the chat chain, as in production), memory's real recall, queues off (the test runs memory's jobs).
/// </summary>
public sealed class CoreMemoryModelHost : OfflineChatHost, IAsyncLifetime
{
    public FakeOpenAiServer Model { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Model = await FakeOpenAiServer.StartAsync();
        await InitializeAsync();
        await ModelWarmUp.RunAsync(Factory.Services);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Model.DisposeAsync();
    }

    protected override bool WithPictures => false;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Models:Chat:0:Provider"] = "OpenAICompatible";
            settings["Models:Chat:0:Endpoint"] = Model.V1.ToString();
            settings["Models:Chat:0:Model"] = "core-model";
            settings["Models:Chat:0:TimeoutSeconds"] = "10";
            settings["Models:Retry:MaxRetries"] = "0";
            return settings;
        }
    }
}

/// <summary>
/// Core memory edits the model proposes (issue 20, Letta's core memory): they reach the user as suggestions, pass the
/// output gate, and change the block only when the user accepts them.
/// </summary>
[Collection("model-host")]
public sealed class CoreMemoryEditTests(CoreMemoryModelHost host) : IClassFixture<CoreMemoryModelHost>
{
    private const string Extraction = "durable facts";

    private static async Task<List<JsonElement>> CoreSuggestionsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/memory?kind=core&status=suggested")).GetProperty("items").EnumerateArray().ToList();

    private static async Task<string> BlockAsync(HttpClient client, string agent) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/core-memory")).GetProperty("text").GetString()!;

    [Fact]
    public async Task The_model_proposes_core_memory_edits_that_change_the_block_only_when_the_user_accepts_them()
    {
        var client = host.User("core-edits");
        var owner = await client.OwnerAsync();
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        using (var put = await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "Name: Sam\nLives in Leeds" }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        host.Model.Responder = request =>
        {
            if (!request.System.Contains(Extraction, StringComparison.Ordinal))
                return FakeChatReply.Text("Lisbon! That's a big move.\n[[feel mood=0.1 affinity=1 reason=news]]");
            if (request.LastUser.Contains("Lisbon", StringComparison.Ordinal))
                return FakeChatReply.Text("""
                    {"memories":[],"core":[
                      {"op":"replace","old":"Lives in Leeds","text":"Lives in Lisbon"},
                      {"op":"append","text":"As an AI language model, I will remember this. Sister Priya lives in Porto. [[feel mood=1]]"},
                      {"op":"replace","old":"Works at Acme","text":"Works at Globex"},
                      {"op":"append","text":"Name: Sam"}
                    ]}
                    """);
            if (request.LastUser.Contains("Samuel", StringComparison.Ordinal))
                return FakeChatReply.Text("""{"memories":[],"core":[{"op":"replace","old":"Name: Sam","text":"Name: Samuel"},{"op":"append","text":"Plays padel on Sundays"}]}""");
            return FakeChatReply.Text("""{"memories":[]}""");
        };

        await host.ChatAsync(client, agent, "We finally moved to Lisbon! My sister Priya lives in Porto, so she's close now.");
        await host.RunMemoryJobsAsync(owner);

        // The extraction was shown the block; what it proposed is pending, guarded, and the block has not changed.
        var asked = Assert.Single(host.Model.Requests, r => r.System.Contains(Extraction, StringComparison.Ordinal) && r.LastUser.Contains("Lisbon", StringComparison.Ordinal));
        Assert.Contains("Name: Sam\nLives in Leeds", asked.System, StringComparison.Ordinal);
        var pending = await CoreSuggestionsAsync(client);
        Assert.Equal(2, pending.Count);
        var replace = Assert.Single(pending, p => p.GetProperty("coreEdit").GetProperty("op").GetString() == "replace");
        Assert.Equal("Lives in Lisbon", replace.GetProperty("text").GetString());
        Assert.Equal("Lives in Leeds", replace.GetProperty("coreEdit").GetProperty("replaces").GetString());
        Assert.Equal(agent, replace.GetProperty("coreEdit").GetProperty("agentId").GetString());
        Assert.False(replace.GetProperty("coreEdit").GetProperty("applied").GetBoolean());
        Assert.Equal("model", replace.GetProperty("origin").GetString());
        var append = Assert.Single(pending, p => p.GetProperty("coreEdit").GetProperty("op").GetString() == "append");
        Assert.Equal("Sister Priya lives in Porto.", append.GetProperty("text").GetString());
        Assert.Equal("Name: Sam\nLives in Leeds", await BlockAsync(client, agent));

        // The next reply is still written from the block as the user left it.
        await host.ChatAsync(client, agent, "How is your week going?");
        var system = host.Model.Requests.Last(r => !r.System.Contains(Extraction, StringComparison.Ordinal)).System;
        Assert.Contains("Lives in Leeds", system, StringComparison.Ordinal);
        Assert.DoesNotContain("Priya lives in Porto", system, StringComparison.Ordinal);

        // Rejecting changes nothing; accepting applies the edit, once.
        using (var rejected = await client.PostAsync($"/api/memory/{append.GetProperty("id").GetString()}/reject", null))
            Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal("Name: Sam\nLives in Leeds", await BlockAsync(client, agent));
        var replaceId = replace.GetProperty("id").GetString()!;
        using (var accepted = await client.PostAsync($"/api/memory/{replaceId}/accept", null))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            var item = await accepted.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("accepted", item.GetProperty("status").GetString());
            Assert.True(item.GetProperty("coreEdit").GetProperty("applied").GetBoolean());
            Assert.Equal("replace", item.GetProperty("coreEdit").GetProperty("op").GetString());
        }
        using (var again = await client.PostAsync($"/api/memory/{replaceId}/accept", null))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("Name: Sam\nLives in Lisbon", await BlockAsync(client, agent));
        await host.ChatAsync(client, agent, "Any plans for the weekend?");
        system = host.Model.Requests.Last(r => !r.System.Contains(Extraction, StringComparison.Ordinal)).System;
        Assert.Contains("Lives in Lisbon", system, StringComparison.Ordinal);

        // Someone else cannot accept it; nobody can write a core edit directly.
        using (var stranger = await host.User("core-edits-stranger").PostAsync($"/api/memory/{replaceId}/accept", null))
            Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        using (var direct = await client.PostAsJsonAsync("/api/memory", new { kind = "core", text = "Lives on the moon", agentId = agent }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, direct.StatusCode);
            Assert.Equal("urn:hearth:problem:validation", (await direct.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task An_edit_of_a_line_the_user_changed_meanwhile_is_refused_and_a_deleted_turn_withdraws_its_edits()
    {
        var client = host.User("core-stale");
        var owner = await client.OwnerAsync();
        var agent = (await host.CreateAgentAsync(client, new { name = "Ada", timezone = "UTC" })).GetProperty("id").GetString()!;
        using (var put = await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "Name: Sam" }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        host.Model.Responder = request => request.System.Contains(Extraction, StringComparison.Ordinal)
            ? FakeChatReply.Text("""{"memories":[],"core":[{"op":"replace","old":"Name: Sam","text":"Name: Samuel"},{"op":"append","text":"Plays padel on Sundays"}]}""")
            : FakeChatReply.Text("Samuel it is!\n[[feel mood=0 affinity=0 reason=neutral]]");

        var turn = await host.ChatAsync(client, agent, "Actually, call me Samuel. I play padel every Sunday.");
        await host.RunMemoryJobsAsync(owner);
        var pending = await CoreSuggestionsAsync(client);
        Assert.Equal(2, pending.Count);
        var rename = Assert.Single(pending, p => p.GetProperty("coreEdit").GetProperty("op").GetString() == "replace");

        // The user rewrote the block: the line the edit replaces is gone, so accepting it is a conflict and changes nothing.
        using (var put = await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "Goes by Sammy" }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using (var stale = await client.PostAsync($"/api/memory/{rename.GetProperty("id").GetString()}/accept", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Equal("urn:hearth:problem:core-memory-changed", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }
        Assert.Equal("Goes by Sammy", await BlockAsync(client, agent));
        Assert.Equal(2, (await CoreSuggestionsAsync(client)).Count);

        // Deleting the turn the edits were drawn from withdraws them (a replacement does not turn into "Name: Sam").
        using (var deleted = await client.DeleteAsync($"/api/agents/{agent}/messages/{turn.GetProperty("reply").GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        Assert.Empty(await CoreSuggestionsAsync(client));
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/memory?kind=core")).GetProperty("items").EnumerateArray());
        Assert.Equal("Goes by Sammy", await BlockAsync(client, agent));
    }
}

/// <summary>A regeneration writes the reply again from memory as it was before the reply it replaces (issue 20, the web tests' finding).</summary>
[Collection("model-host")]
public sealed class RegenerationRecallTests(CoreMemoryModelHost host) : IClassFixture<CoreMemoryModelHost>
{
    [Fact]
    public async Task A_regeneration_does_not_recall_the_reply_it_replaces()
    {
        var client = host.User("regen-recall");
        var owner = await client.OwnerAsync();
        var agent = (await host.CreateAgentAsync(client, new { name = "Noa", timezone = "UTC" })).GetProperty("id").GetString()!;
        host.Model.Responder = request => request.System.Contains("durable facts", StringComparison.Ordinal)
            ? FakeChatReply.Text("""{"memories":[]}""")
            : request.LastUser.Contains("name the boat", StringComparison.Ordinal)
                ? FakeChatReply.Text("Name the boat the Marmalade Comet, obviously.\n[[feel mood=0 affinity=0 reason=fun]]")
                : FakeChatReply.Text("Congratulations, a sailing boat suits you.\n[[feel mood=0 affinity=0 reason=nice]]");

        await host.ChatAsync(client, agent, "I just bought a small sailing boat!");
        var named = await host.ChatAsync(client, agent, "What should I name the boat? Help me name the boat.");
        var replyId = named.GetProperty("reply").GetProperty("id").GetString()!;
        await host.RunMemoryJobsAsync(owner);
        // Memory holds the reply: a search for the question finds it.
        Assert.Contains(await client.SearchAsync(agent, "name the boat"), t => t.Contains("Marmalade Comet", StringComparison.Ordinal));

        host.Model.Responder = request => request.System.Contains("durable facts", StringComparison.Ordinal)
            ? FakeChatReply.Text("""{"memories":[]}""")
            : FakeChatReply.Text("How about Sea Biscuit?\n[[feel mood=0 affinity=0 reason=fun]]");
        using var regenerated = await client.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate", null);
        Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        var body = await regenerated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("How about Sea Biscuit?", body.GetProperty("text").GetString());

        // The model was asked with the earlier exchange (in the history and memory) but nothing of the replaced reply.
        var asked = host.Model.Requests.Last(r => !r.System.Contains("durable facts", StringComparison.Ordinal));
        Assert.Contains("sailing boat", asked.AllText, StringComparison.Ordinal);
        Assert.Contains("name the boat", asked.LastUser, StringComparison.Ordinal);
        Assert.DoesNotContain("Marmalade", asked.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(body.GetProperty("memoriesUsed").EnumerateArray(),
            m => m.GetProperty("snippet").GetString()!.Contains("Marmalade", StringComparison.Ordinal));
    }
}
