using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hearth.Chat.Tests;

/// <summary>Memory the user owns (issue 20): export, import into a fresh instance, and the companion's core memory block.</summary>
public sealed class MemoryOwnershipTests(OfflineChatHost host) : IClassFixture<OfflineChatHost>
{
    [Fact]
    public async Task An_export_imported_into_a_fresh_instance_exports_the_same_memories_summaries_and_core_memory()
    {
        var client = host.User("owner");
        var owner = await client.OwnerAsync();
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        var lisbon = await host.ChatAsync(client, agent, "I live in Lisbon now.");
        await host.ChatAsync(client, agent, "My sister Anna plays the cello.");
        await host.ChatAsync(client, agent, "I love jazz records.");
        await host.RunMemoryJobsAsync(owner); // indexes, suggests, and writes the third turn's summary
        var home = (await client.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("text").GetString()!.Contains("Lisbon", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/memory/{home.GetProperty("id").GetString()}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/memory", new { kind = "fact", text = "Keeps a red kayak in the garage." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "Goes by Sam. Allergic to peanuts." })).StatusCode);

        var export = await client.GetFromJsonAsync<JsonElement>("/api/memory/export");
        Assert.Equal("hearth.memory.v1", export.GetProperty("format").GetString());
        var exported = export.GetProperty("memories").EnumerateArray().Single(m => m.GetProperty("text").GetString()!.Contains("Lisbon", StringComparison.Ordinal));
        // Provenance: the message it was learnt from, its session and companion.
        Assert.Equal(lisbon.GetProperty("userMessage").GetProperty("id").GetString(), exported.GetProperty("sourceMessageId").GetString());
        Assert.Equal(lisbon.GetProperty("sessionId").GetString(), exported.GetProperty("sessionId").GetString());
        Assert.Equal(agent, exported.GetProperty("agentId").GetString());
        Assert.Equal("accepted", exported.GetProperty("status").GetString());
        Assert.True(export.GetProperty("summaries").GetArrayLength() >= 1);
        Assert.Equal("Goes by Sam. Allergic to peanuts.", export.GetProperty("coreMemory")[0].GetProperty("text").GetString());

        // A fresh instance: its own database, the same person signing in, the same companion brought over by name.
        var fresh = new OfflineChatHost();
        await fresh.InitializeAsync();
        try
        {
            var there = fresh.User("owner");
            var mia = (await fresh.CreateAgentAsync(there, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
            using (var refused = await there.PostAsJsonAsync("/api/memory/import", new { format = "hearth.memory.v1", memories = new[] { new { id = "mem_x", kind = "gossip" } } }))
            {
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Contains("memories[0].kind", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            Assert.Equal(HttpStatusCode.BadRequest, (await there.PostAsJsonAsync("/api/memory/import", new { format = "something-else" })).StatusCode);
            Assert.Empty((await there.GetFromJsonAsync<JsonElement>("/api/memory/export")).GetProperty("memories").EnumerateArray());

            using (var imported = await there.PostAsync("/api/memory/import", JsonContent.Create(export)))
            {
                Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
                var counts = await imported.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(export.GetProperty("memories").GetArrayLength(), counts.GetProperty("memories").GetInt32());
                Assert.Equal(export.GetProperty("summaries").GetArrayLength(), counts.GetProperty("summaries").GetInt32());
                Assert.Equal(1, counts.GetProperty("coreMemory").GetInt32());
            }
            var again = await there.GetFromJsonAsync<JsonElement>("/api/memory/export");
            Assert.Equal(export.GetProperty("memories").GetRawText(), again.GetProperty("memories").GetRawText());
            Assert.Equal(export.GetProperty("summaries").GetRawText(), again.GetProperty("summaries").GetRawText());
            Assert.Equal("Goes by Sam. Allergic to peanuts.", (await there.GetFromJsonAsync<JsonElement>($"/api/agents/{mia}/core-memory")).GetProperty("text").GetString());
            // The summaries are searchable there, and a second import changes nothing.
            var summaryText = export.GetProperty("summaries")[0].GetProperty("text").GetString()!;
            var word = summaryText.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(w => w.Length > 4 && w.All(char.IsLetter));
            var found = await there.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(word)}&mode=bm25");
            Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.GetProperty("kind").GetString() == "summary");
            var second = await (await there.PostAsync("/api/memory/import", JsonContent.Create(export))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(0, second.GetProperty("memories").GetInt32());
            Assert.Equal(export.GetProperty("memories").GetArrayLength(), second.GetProperty("memoriesSkipped").GetInt32());
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_core_memory_block_is_the_users_to_edit_and_is_in_every_prompt()
    {
        var client = host.User("core");
        var agent = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        var empty = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/core-memory");
        Assert.Equal("", empty.GetProperty("text").GetString());
        using (var put = await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "Goes by Sam. Works night shifts at the hospital." }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("Goes by Sam. Works night shifts at the hospital.", (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString());
        }
        // In the prompt of every reply, whatever was said.
        foreach (var text in new[] { "Hi!", "What should we cook tonight?" })
        {
            var turn = await host.ChatAsync(client, agent, text);
            var prompt = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages/{turn.GetProperty("reply").GetProperty("id").GetString()}/prompt");
            Assert.Contains("Works night shifts at the hospital.", prompt.GetProperty("messages")[0].GetProperty("content").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = new string('x', 2001) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { })).StatusCode);
        var bob = host.User("core-intruder");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/agents/{agent}/core-memory")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "mine now" })).StatusCode);
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/api/memory/export")).GetProperty("coreMemory").EnumerateArray());
        // Cleared, it leaves the prompt.
        await client.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "" });
        var last = await host.ChatAsync(client, agent, "Still there?");
        var lastPrompt = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages/{last.GetProperty("reply").GetProperty("id").GetString()}/prompt");
        Assert.DoesNotContain("night shifts", lastPrompt.GetProperty("messages")[0].GetProperty("content").GetString(), StringComparison.Ordinal);
    }
}
