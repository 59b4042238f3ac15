using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>
/// Group lines reach memory (issue 20): each companion remembers what was said to it and what it said in a group, as it
/// remembers its 1:1 turns; each companion summarises its own exchanges in the group, the user's words are read for
/// suggestions once whoever answered; edits, swipes and deletions follow into the index, the summaries and the suggestions.
/// </summary>
[Collection("model-host")]
public sealed class GroupMemoryTests(CoreMemoryModelHost host) : IClassFixture<CoreMemoryModelHost>
{
    private readonly Dictionary<string, string> _next = new()
    {
        ["Ada"] = "Lisbon is lovely in spring, she will love the trams.\n[[feel mood=0 affinity=0 reason=news]]",
        ["Ben"] = "A canoe! Paddle hard and keep dry.\n[[feel mood=0 affinity=0 reason=news]]",
    };

    [Fact]
    public async Task Each_companion_recalls_its_own_group_exchanges_and_edits_swipes_and_deletions_follow_into_the_index()
    {
        var client = host.User("group-memory");
        var owner = await client.OwnerAsync();
        host.Model.Responder = request =>
            request.System.Contains("durable facts", StringComparison.Ordinal) ? FakeChatReply.Text("""{"memories":[]}""")
            : _next.LineFor(request) is { } line ? FakeChatReply.Text(line)
            : FakeChatReply.Text("I am not sure.\n[[feel mood=0 affinity=0 reason=calm]]");
        var ids = new Dictionary<string, string>();
        foreach (var name in _next.Keys)
            ids[name] = (await host.CreateAgentAsync(client, new { name, timezone = "UTC" })).GetProperty("id").GetString()!;
        var group = await client.CreateGroupAsync(ids["Ada"], ids["Ben"]);

        var toAda = await client.SayInGroupAsync(group, "Ada, my sister Priya moved to Lisbon last week.");
        var toBen = await client.SayInGroupAsync(group, "Ben, I bought a red canoe yesterday.");
        await host.RunMemoryJobsAsync(owner);

        // Indexed for the companion it was said to (and by), not for the other.
        Assert.Contains(await client.SearchAsync(ids["Ada"], "Priya Lisbon"), t => t.Contains("Priya moved to Lisbon", StringComparison.Ordinal));
        Assert.DoesNotContain(await client.SearchAsync(ids["Ben"], "Priya Lisbon"), t => t.Contains("Priya", StringComparison.Ordinal));
        Assert.Contains(await client.SearchAsync(ids["Ben"], "canoe"), t => t.Contains("red canoe", StringComparison.Ordinal));

        // A 1:1 chat with Ada recalls what was said to her in the group.
        _next["Ada"] = "I remember you told me.\n[[feel mood=0 affinity=0 reason=calm]]";
        await host.ChatAsync(client, ids["Ada"], "Where did my sister Priya move to?");
        var asked = host.Model.Requests.Last(r => r.System.StartsWith("You are Ada.", StringComparison.Ordinal));
        Assert.Contains("Priya moved to Lisbon", asked.System, StringComparison.Ordinal);

        // Ada's line edited: the index holds the new text only.
        var adaLine = toAda.GetProperty("replies")[0].GetProperty("id").GetString()!;
        using (var edit = await client.PatchAsJsonAsync($"/api/groups/{group}/messages/{adaLine}", new { text = "Lisbon has the best pastries, tell her to try them." }))
            Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        var lisbon = await client.SearchAsync(ids["Ada"], "Lisbon");
        Assert.Contains(lisbon, t => t.Contains("best pastries", StringComparison.Ordinal));
        Assert.DoesNotContain(lisbon, t => t.Contains("trams", StringComparison.Ordinal));

        // Ben's line written again and chosen: the index holds the chosen alternative only.
        var benLine = toBen.GetProperty("replies")[0].GetProperty("id").GetString()!;
        _next["Ben"] = "Red canoes are the fastest kind, everyone knows that.\n[[feel mood=0 affinity=0 reason=fun]]";
        using (var regenerated = await client.PostAsync($"/api/groups/{group}/messages/{benLine}/regenerate", null))
            Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        var canoe = await client.SearchAsync(ids["Ben"], "canoe");
        Assert.Contains(canoe, t => t.Contains("fastest kind", StringComparison.Ordinal));
        Assert.DoesNotContain(canoe, t => t.Contains("Paddle hard", StringComparison.Ordinal));

        // The user's line to Ada deleted: Ada no longer remembers it, in search or in a reply's prompt.
        using (var deleted = await client.DeleteAsync($"/api/groups/{group}/messages/{toAda.GetProperty("userMessage").GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        Assert.DoesNotContain(await client.SearchAsync(ids["Ada"], "Priya Lisbon"), t => t.Contains("Priya moved to Lisbon", StringComparison.Ordinal));
        await host.ChatAsync(client, ids["Ada"], "Where did my sister Priya move to, again?");
        asked = host.Model.Requests.Last(r => r.System.StartsWith("You are Ada.", StringComparison.Ordinal));
        Assert.DoesNotContain("pastries", asked.System, StringComparison.Ordinal);

        // Deleting the group makes memory forget the rest of its lines; the companions stay.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/groups/{group}")).StatusCode);
        await host.RunMemoryJobsAsync(owner);
        Assert.Empty(await client.SearchAsync(ids["Ben"], "canoe"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/agents/{ids["Ben"]}")).StatusCode);
    }

    /// <summary>The memory model: facts from the user's words, a summary that quotes the whole transcript it was given.</summary>
    private FakeChatReply Answer(FakeChatRequest request)
    {
        if (request.System.Contains("durable facts", StringComparison.Ordinal))
        {
            var said = request.LastUser;
            var facts = new List<object>();
            foreach (var city in new[] { "Lisbon", "Porto" })
                if (said.Contains(city, StringComparison.Ordinal)) facts.Add(new { kind = "fact", subject = "home", text = $"Lives in {city}" });
            if (said.Contains("nurse", StringComparison.Ordinal)) facts.Add(new { kind = "fact", subject = "occupation", text = "Works as a nurse" });
            return FakeChatReply.Text(JsonSerializer.Serialize(new { memories = facts }));
        }
        if (request.System.StartsWith("You summarise a conversation", StringComparison.Ordinal))
            return FakeChatReply.Text(JsonSerializer.Serialize(new { topics = Array.Empty<string>(), decisions = Array.Empty<string>(), actionItems = Array.Empty<string>(),
                summary = request.LastUser.ReplaceLineEndings(" ") }));
        return _next.LineFor(request) is { } line
            ? FakeChatReply.Text(line)
            : FakeChatReply.Text("I am not sure.\n[[feel mood=0 affinity=0 reason=calm]]");
    }

    [Fact]
    public async Task Each_companion_summarises_its_own_group_exchanges_and_suggestions_are_drawn_once_and_follow_edits_swipes_and_deletions()
    {
        _next["Ada"] = "How lovely.\n[[feel mood=0 affinity=0 reason=news]]";
        _next["Ben"] = "Nice one.\n[[feel mood=0 affinity=0 reason=news]]";
        var client = host.User("group-summaries");
        var owner = await client.OwnerAsync();
        host.Model.Responder = Answer;
        var ids = new Dictionary<string, string>();
        foreach (var name in _next.Keys)
            ids[name] = (await host.CreateAgentAsync(client, new { name, timezone = "UTC" })).GetProperty("id").GetString()!;
        var group = await client.CreateGroupAsync(ids["Ada"], ids["Ben"]);

        // Ada answers three lines (Chat:SummaryEveryTurns is 3 here), Ben two: only Ada's part is summarised yet.
        var moved = await client.SayInGroupAsync(group, "Ada, I moved to Lisbon last month.");
        await client.SayInGroupAsync(group, "Ben, I bought a red canoe.");
        var work = await client.SayInGroupAsync(group, "Ada and Ben, I work as a nurse.");
        Assert.Equal(2, work.GetProperty("replies").GetArrayLength());
        _next["Ada"] = "A cellist! Play me something.\n[[feel mood=0 affinity=0 reason=music]]";
        var cello = await client.SayInGroupAsync(group, "Ada, I started learning the cello.");
        await host.RunMemoryJobsAsync(owner);

        // The line said to both was read for suggestions once.
        Assert.Single(host.Model.Requests, r => r.System.Contains("durable facts", StringComparison.Ordinal) && r.LastUser.Contains("nurse", StringComparison.Ordinal));
        var memories = await client.MemoriesAsync();
        Assert.Single(memories, m => m == "Works as a nurse");
        Assert.Contains("Lives in Lisbon", memories);

        var summary = Assert.Single(await SummariesAsync(client, group));
        Assert.Equal(ids["Ada"], summary.GetProperty("agentId").GetString());
        var text = summary.GetProperty("text").GetString()!;
        Assert.Contains("Lisbon", text, StringComparison.Ordinal);
        Assert.Contains("nurse", text, StringComparison.Ordinal);
        Assert.Contains("A cellist! Play me something.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("canoe", text, StringComparison.Ordinal); // said to Ben, not to Ada

        // The user's line edited: read for suggestions again (the new value replaces the old) and Ada's summary written again.
        using (var edit = await client.PatchAsJsonAsync($"/api/groups/{group}/messages/{Id(moved, "userMessage")}", new { text = "Ada, I moved to Porto last month." }))
            Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        memories = await client.MemoriesAsync();
        Assert.Contains("Lives in Porto", memories);
        Assert.DoesNotContain("Lives in Lisbon", memories);
        text = (await AdaSummaryAsync(client, group, ids["Ada"])).GetProperty("text").GetString()!;
        Assert.Contains("Porto", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Lisbon", text, StringComparison.Ordinal);

        // Ada's last line written again: the summary it ends holds the chosen alternative; choosing the first brings it back.
        var line = cello.GetProperty("replies")[0].GetProperty("id").GetString()!;
        _next["Ada"] = "The cello, how grand. Bach first?\n[[feel mood=0 affinity=0 reason=music]]";
        using (var regenerated = await client.PostAsync($"/api/groups/{group}/messages/{line}/regenerate", null))
            Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        text = (await AdaSummaryAsync(client, group, ids["Ada"])).GetProperty("text").GetString()!;
        Assert.Contains("Bach first?", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Play me something", text, StringComparison.Ordinal);
        using (var back = await client.PutAsJsonAsync($"/api/groups/{group}/messages/{line}/selected", new { index = 0 }))
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        text = (await AdaSummaryAsync(client, group, ids["Ada"])).GetProperty("text").GetString()!;
        Assert.Contains("Play me something", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bach first?", text, StringComparison.Ordinal);

        // The line said to both deleted (its replies go with it): its suggestion is withdrawn and Ada's summary no longer has it.
        using (var deleted = await client.DeleteAsync($"/api/groups/{group}/messages/{Id(work, "userMessage")}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await host.RunMemoryJobsAsync(owner);
        Assert.DoesNotContain("Works as a nurse", await client.MemoriesAsync());
        text = (await AdaSummaryAsync(client, group, ids["Ada"])).GetProperty("text").GetString()!;
        Assert.DoesNotContain("nurse", text, StringComparison.Ordinal);
        Assert.Contains("Porto", text, StringComparison.Ordinal);
        Assert.Contains("cello", text, StringComparison.Ordinal);
        Assert.All(await SummariesAsync(client, group), s => Assert.Equal(ids["Ada"], s.GetProperty("agentId").GetString()));
    }

    private static string Id(JsonElement turn, string part) => turn.GetProperty(part).GetProperty("id").GetString()!;

    private static async Task<List<JsonElement>> SummariesAsync(HttpClient client, string group) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/api/sessions/{group}/summaries")).GetProperty("items").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "done")];

    private static async Task<JsonElement> AdaSummaryAsync(HttpClient client, string group, string ada) =>
        (await SummariesAsync(client, group)).Where(s => s.GetProperty("agentId").GetString() == ada).MaxBy(s => s.GetProperty("lastMessageAt").GetDateTimeOffset());
}
