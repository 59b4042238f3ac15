using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>
/// Group lines are summarised and read for suggestions as 1:1 turns are (issue 20): each companion summarises its own
/// exchanges in the group, the user's words are read once whoever answered, and edits, chosen alternatives and deletions
/// leave the summaries and suggestions as if the group had always said what it says now.
/// </summary>
[Collection("model-host")]
public sealed class GroupSummaryTests(CoreMemoryModelHost host) : IClassFixture<CoreMemoryModelHost>
{
    private readonly Dictionary<string, string> _next = new()
    {
        ["Ada"] = "How lovely.\n[[feel mood=0 affinity=0 reason=news]]",
        ["Ben"] = "Nice one.\n[[feel mood=0 affinity=0 reason=news]]",
    };

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
        return _next.FirstOrDefault(p => request.System.StartsWith($"You are {p.Key}.", StringComparison.Ordinal)).Value is { } line
            ? FakeChatReply.Text(line)
            : FakeChatReply.Text("I am not sure.\n[[feel mood=0 affinity=0 reason=calm]]");
    }

    [Fact]
    public async Task Each_companion_summarises_its_own_group_exchanges_and_suggestions_are_drawn_once_and_follow_edits_swipes_and_deletions()
    {
        var client = host.User("group-summaries");
        var owner = await client.OwnerAsync();
        host.Model.Responder = Answer;
        var ids = new Dictionary<string, string>();
        foreach (var name in _next.Keys)
            ids[name] = (await host.CreateAgentAsync(client, new { name, timezone = "UTC" })).GetProperty("id").GetString()!;
        string group;
        using (var created = await client.PostAsJsonAsync("/api/groups", new { agentIds = new[] { ids["Ada"], ids["Ben"] } }))
            group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Ada answers three lines (Chat:SummaryEveryTurns is 3 here), Ben two: only Ada's part is summarised yet.
        var moved = await SayAsync(client, group, "Ada, I moved to Lisbon last month.");
        await SayAsync(client, group, "Ben, I bought a red canoe.");
        var work = await SayAsync(client, group, "Ada and Ben, I work as a nurse.");
        Assert.Equal(2, work.GetProperty("replies").GetArrayLength());
        _next["Ada"] = "A cellist! Play me something.\n[[feel mood=0 affinity=0 reason=music]]";
        var cello = await SayAsync(client, group, "Ada, I started learning the cello.");
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

    private static async Task<JsonElement> SayAsync(HttpClient client, string group, string text)
    {
        using var response = await client.PostAsJsonAsync($"/api/groups/{group}/chat", new { text });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
