using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>
/// Group lines reach memory (issue 20): each companion remembers what was said to it and what it said in a group, as it
/// remembers its 1:1 turns; edits, swipes and deletions follow into the index.
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
            : _next.FirstOrDefault(p => request.System.StartsWith($"You are {p.Key}.", StringComparison.Ordinal)).Value is { } line ? FakeChatReply.Text(line)
            : FakeChatReply.Text("I am not sure.\n[[feel mood=0 affinity=0 reason=calm]]");
        var ids = new Dictionary<string, string>();
        foreach (var name in _next.Keys)
            ids[name] = (await host.CreateAgentAsync(client, new { name, timezone = "UTC" })).GetProperty("id").GetString()!;
        string group;
        using (var created = await client.PostAsJsonAsync("/api/groups", new { agentIds = new[] { ids["Ada"], ids["Ben"] } }))
            group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var toAda = await SayAsync(client, group, "Ada, my sister Priya moved to Lisbon last week.");
        var toBen = await SayAsync(client, group, "Ben, I bought a red canoe yesterday.");
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

    private static async Task<JsonElement> SayAsync(HttpClient client, string group, string text)
    {
        using var response = await client.PostAsJsonAsync($"/api/groups/{group}/chat", new { text });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
