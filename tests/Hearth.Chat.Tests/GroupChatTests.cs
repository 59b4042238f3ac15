using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>Group chat (issue 20): several companions take turns, each in character, labelled, with its own mood toward the user.</summary>
[Collection("model-host")]
public sealed class GroupChatTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    private static readonly Dictionary<string, (string Personality, string Reply)> People = new()
    {
        ["Ada"] = ("precise, dry humour, loves proofs", "Tea first, then a proof or two.\n[[feel mood=0.2 affinity=2 reason=a kind hello]]"),
        ["Ben"] = ("boisterous, salty, sea shanties", "Ahoy! The wind is up today.\n[[feel mood=-0.2 affinity=-1 reason=woken too early]]"),
        ["Cleo"] = ("dreamy, talks in colours", "Everything looks violet this evening.\n[[feel mood=0 affinity=0 reason=calm]]"),
    };

    /// <summary>The fake model answers as whoever its system prompt says it is.</summary>
    private static FakeChatReply AsPersona(FakeChatRequest request) =>
        FakeChatReply.Text(People.First(p => request.System.StartsWith($"You are {p.Key}.", StringComparison.Ordinal)).Value.Reply);

    private static string Speaker(FakeChatRequest request) => People.Keys.Single(name => request.System.StartsWith($"You are {name}.", StringComparison.Ordinal));

    private async Task<(HttpClient Client, Dictionary<string, string> Ids, string Group)> GroupOfThreeAsync(string user)
    {
        host.Reset(AsPersona);
        var client = host.User(user);
        var ids = new Dictionary<string, string>();
        foreach (var (name, (personality, _)) in People)
            ids[name] = (await host.CreateAgentAsync(client, new { name, timezone = "UTC", personality, moodBaseline = 0.0 })).GetProperty("id").GetString()!;
        using var created = await client.PostAsJsonAsync("/api/groups", new { name = "The crew", agentIds = new[] { ids["Ada"], ids["Ben"], ids["Cleo"] } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["Ada", "Ben", "Cleo"], group.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList());
        return (client, ids, group.GetProperty("id").GetString()!);
    }


    [Fact]
    public async Task Three_companions_take_turns_each_in_character_labelled_and_with_its_own_mood()
    {
        var (client, ids, group) = await GroupOfThreeAsync("group");
        var seen = host.First.Requests.Count;

        // Round-robin: Ada, Ben, Cleo, then Ada again; each reply written from that companion's persona and labelled with it.
        var spoken = new List<string>();
        foreach (var text in new[] { "Hi everyone!", "How is the day going?", "Anything fun planned?", "Back to the start." })
        {
            var turn = await client.SayInGroupAsync(group, text);
            var reply = Assert.Single(turn.GetProperty("replies").EnumerateArray());
            var name = reply.GetProperty("agentName").GetString()!;
            spoken.Add(name);
            Assert.Equal(ids[name], reply.GetProperty("agentId").GetString());
            Assert.Equal(People[name].Reply.Split('\n')[0], reply.GetProperty("text").GetString());
            var request = host.First.Requests[^1];
            Assert.Equal(name, Speaker(request));
            Assert.Contains(People[name].Personality, request.System, StringComparison.Ordinal);
            Assert.All(People.Where(p => p.Key != name), other => Assert.DoesNotContain(other.Value.Personality, request.System, StringComparison.Ordinal));
            Assert.Contains("group chat", request.System, StringComparison.Ordinal);
        }
        Assert.Equal(["Ada", "Ben", "Cleo", "Ada"], spoken);
        // Ben read Ada's line labelled with her name, and his own words were never put in her mouth.
        var bens = host.First.Requests.Skip(seen).Single(r => Speaker(r) == "Ben");
        Assert.Contains(bens.Messages, m => m.Role == "user" && m.Content.StartsWith("Ada: Tea first", StringComparison.Ordinal));

        // Addressed by name: the named ones answer, in the order named.
        var named = await client.SayInGroupAsync(group, "Cleo and Ben, what are you up to tonight?");
        Assert.Equal(["Cleo", "Ben"], named.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("agentName").GetString()).ToList());
        // Ben, second, has read Cleo's answer to the same line.
        Assert.Contains("Cleo: Everything looks violet", host.First.Requests[^1].LastUser, StringComparison.Ordinal);

        // Each companion's own mood toward the user moved by its own judgement.
        Assert.True((await client.FeelingsAsync(ids["Ada"])).Mood > 0);
        Assert.True((await client.FeelingsAsync(ids["Ben"])).Mood < 0);
        Assert.Equal(0.0, (await client.FeelingsAsync(ids["Cleo"])).Mood);

        // The transcript is labelled; the prompt inspector shows what each line was written from.
        var lines = await client.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/messages");
        var items = lines.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(11, items.Count);
        Assert.Equal("Ben", items[0].GetProperty("agentName").GetString());
        Assert.Equal("user", items[2].GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, items[2].GetProperty("agentName").ValueKind);
        var prompt = await client.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/messages/{items[1].GetProperty("id").GetString()}/prompt");
        Assert.StartsWith("You are Cleo.", prompt.GetProperty("messages")[0].GetProperty("content").GetString(), StringComparison.Ordinal);

        // A retry with the same client message id gets the first answer and writes nothing.
        var first = await client.SayInGroupAsync(group, "Good night, all.", "night-1");
        var again = await client.SayInGroupAsync(group, "Good night, all.", "night-1");
        Assert.True(again.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("replies")[0].GetProperty("id").GetString(), again.GetProperty("replies")[0].GetProperty("id").GetString());
        Assert.Equal(13, (await client.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/messages")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Another_users_group_is_invisible_and_bad_input_gets_a_problem_and_writes_nothing()
    {
        var (client, ids, group) = await GroupOfThreeAsync("group-owner");
        await client.SayInGroupAsync(group, "Hello crew.");

        var bob = host.User("group-intruder");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/groups/{group}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/groups/{group}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync($"/api/groups/{group}/chat", new { text = "let me in" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/groups/{group}")).StatusCode);
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/api/groups")).GetProperty("items").EnumerateArray());
        // Bob cannot put Alice's companions in a group of his.
        var bobs = (await host.CreateAgentAsync(bob, new { name = "Dan", timezone = "UTC" })).GetProperty("id").GetString()!;
        using (var stolen = await bob.PostAsJsonAsync("/api/groups", new { agentIds = new[] { bobs, ids["Ada"] } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
            Assert.Equal("application/problem+json", stolen.Content.Headers.ContentType?.MediaType);
            Assert.Contains("agentIds[1]", await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        foreach (var bad in new object[] { new { agentIds = new[] { ids["Ada"] } }, new { agentIds = new[] { ids["Ada"], ids["Ada"] } }, new { agentIds = (string[]?)null },
                     new { agentIds = new[] { ids["Ada"], "not-an-id" } } })
        {
            using var refused = await client.PostAsJsonAsync("/api/groups", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        using (var empty = await client.PostAsJsonAsync($"/api/groups/{group}/chat", new { text = "  " }))
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        // Nothing of the refused calls was written: one group, two lines.
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/groups")).GetProperty("items").EnumerateArray());
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/messages")).GetProperty("items").GetArrayLength());

        // Deleting the group leaves the companions.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/groups/{group}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/groups/{group}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/agents/{ids["Ada"]}")).StatusCode);
    }
}
