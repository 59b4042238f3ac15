using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat.Lore;

namespace Hearth.Chat.Tests;

/// <summary>World info: which entries a reply's prompt gets (keys in the scan window, secondary keys, budget, order), and the lorebook API.</summary>
[Collection("model-host")]
public sealed class LoreTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    private static LoreEntry Entry(string name, string[] keys, string content, int order = 100, int? priority = null, bool caseSensitive = false,
        string[]? secondary = null, bool constant = false) =>
        new(name, keys, secondary ?? [], secondary is not null, constant, content, true, order, priority, caseSensitive, LoreRules.AfterChar, name, "",
            new Dictionary<string, JsonElement>());

    private static Lorebook Book(int depth, int budget, bool recursive, params LoreEntry[] entries) =>
        new("book", "agent", "", "", depth, budget, recursive, new Dictionary<string, JsonElement>(), entries, default, default);

    private static List<string> Names(IReadOnlyList<ActivatedLore> chosen) => chosen.Select(c => c.Entry.Name).ToList();

    [Fact]
    public void Keys_match_whole_words_in_the_scan_window_only()
    {
        var book = Book(2, 1000, false, Entry("cat", ["cat"], "Their cat is Pixel."), Entry("Oslo", ["Oslo"], "They grew up in Oslo.", caseSensitive: true));

        Assert.Empty(LoreScanner.Select([book], ["Let me check the category list.", "ok"]));                  // "cat" is not in "category"
        Assert.Equal(["cat"], Names(LoreScanner.Select([book], ["hi", "My CAT is sick."])));
        Assert.Empty(LoreScanner.Select([book], ["My cat is sick.", "anyway", "what's new?"]));                // out of the 2-message window
        Assert.Empty(LoreScanner.Select([book], ["we flew to oslo"]));                                       // case-sensitive key
        Assert.Equal(["Oslo"], Names(LoreScanner.Select([book], ["we flew to Oslo!"])));
    }

    [Fact]
    public void Regex_keys_match_their_pattern_with_the_entrys_case_and_a_hostile_pattern_runs_in_linear_time()
    {
        var book = Book(4, 1000, false,
            Entry("dragons", ["/drag(on|ons)\\b/i"], "Dragons nest on Mount Kell.") with { UseRegex = true },
            Entry("ship", ["Kestrel-\\d+"], "The Kestrel class are airships.", caseSensitive: true) with { UseRegex = true },
            Entry("evil", ["(a+)+$"], "Never shown.") with { UseRegex = true });

        Assert.Equal(["dragons"], Names(LoreScanner.Select([book], ["A DRAGON flew over."])));      // /…/i: any case
        Assert.Empty(LoreScanner.Select([book], ["dragonfly season"]));                              // \b in the pattern
        Assert.Equal(["ship"], Names(LoreScanner.Select([book], ["We boarded Kestrel-7."])));
        Assert.Empty(LoreScanner.Select([book], ["we boarded kestrel-7."]));                         // the entry is case-sensitive
        // The catastrophic-backtracking classic answers at once on the non-backtracking engine (no timeout needed to end it).
        var hostile = new string('a', 50_000) + "!";
        Assert.Empty(LoreScanner.Select([book], [hostile]));
        Assert.Equal(["evil"], Names(LoreScanner.Select([book], ["aaaa"])));
        // A pattern that slipped in unchecked never triggers; the rules refuse it with the reason.
        Assert.False(LoreRegex.Matches("abab", "(ab)\\1", caseSensitive: false));
        Assert.Contains(LoreRules.Validate(new LoreEntryDraft(["fine", "(unclosed"], "x", UseRegex: true)), e => e.Field == "keys" && e.Error.Contains("key 1", StringComparison.Ordinal));
        Assert.Empty(LoreRules.Validate(new LoreEntryDraft(["(unclosed"], "x")));                   // plain keys are text
    }

    [Fact]
    public async Task A_v3_card_with_regex_keys_imports_triggers_and_exports_them_and_a_bad_pattern_is_a_400_naming_the_field()
    {
        host.Reset();
        var client = host.User("lore-regex");
        var card = CardFixtures.V3();
        var entries = card["data"]!["character_book"]!["entries"]!.AsArray();
        entries.Add(System.Text.Json.Nodes.JsonNode.Parse("""
            { "keys": ["/sound ?board/i"], "content": "The soundboard is Alpine spruce.", "extensions": {}, "enabled": true, "insertion_order": 5,
              "case_sensitive": false, "use_regex": true, "constant": false, "name": "spruce", "id": "b", "comment": "", "selective": false,
              "secondary_keys": [], "position": "after_char" }
            """));
        using var created = await client.PostAsync("/api/agents/import?timezone=UTC", CardFixtures.JsonContent(card));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var turn = await host.ChatAsync(client, id, "The SOUND BOARD has a crack.");
        Assert.Contains("The soundboard is Alpine spruce.", host.First.Requests[^1].System, StringComparison.Ordinal);
        Assert.Contains(turn.GetProperty("loreUsed").EnumerateArray(), l => l.GetProperty("name").GetString() == "spruce");
        var exported = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/card?spec=v3");
        var spruce = exported.GetProperty("data").GetProperty("character_book").GetProperty("entries").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == "spruce");
        Assert.True(spruce.GetProperty("use_regex").GetBoolean());
        Assert.Equal("/sound ?board/i", spruce.GetProperty("keys")[0].GetString());

        // A pattern the engine cannot run safely (a backreference) or cannot parse: 400 naming the entry's keys, nothing imported.
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/agents")).GetProperty("items").GetArrayLength();
        entries[1]!["keys"] = new System.Text.Json.Nodes.JsonArray("(sound)\\1");
        using (var refused = await client.PostAsync("/api/agents/import?timezone=UTC", CardFixtures.JsonContent(card)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("data.character_book.entries[1].keys", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>("/api/agents")).GetProperty("items").GetArrayLength());
        using (var api = await client.PostAsJsonAsync($"/api/agents/{id}/lorebook/entries", new { keys = new[] { "[unclosed" }, content = "x", useRegex = true }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
            Assert.Contains("keys", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_budget_keeps_higher_priority_and_the_prompt_order_follows_insertion_order()
    {
        var big = new string('x', 400); // 100 tokens
        var book = Book(4, 150, false,
            Entry("low", ["storm"], big, order: 1, priority: 1),
            Entry("high", ["storm"], big, order: 30, priority: 9),
            Entry("small", ["storm"], "A short note.", order: 5),
            Entry("always", [], "Always here.", order: 50, constant: true));

        var chosen = Names(LoreScanner.Select([book], ["a storm is coming"]));
        Assert.Equal(["small", "high", "always"], chosen); // "low" did not fit; kept ones in insertion order
    }

    [Fact]
    public void Selective_entries_need_a_secondary_key_and_recursion_follows_content()
    {
        var book = Book(4, 1000, true,
            Entry("vantor", ["Vantor"], "Vantor is ruled by the Guild.", secondary: ["debt", "storm"]),
            Entry("guild", ["Guild"], "The Guild collects debts in silver."),
            Entry("ship", ["ship"], "The ship is called Kestrel; Vantor built it."));

        Assert.Equal(["ship"], Names(LoreScanner.Select([book], ["the ship leaks"]))); // recursion reaches "Vantor", but no secondary key
        Assert.Equal(["vantor", "guild"], Names(LoreScanner.Select([book], ["my debt in Vantor"]))); // the Guild comes from Vantor's content
        Assert.Empty(LoreScanner.Select([book with { RecursiveScanning = false }], ["Vantor again"]));
    }

    [Fact]
    public async Task A_scan_depth_beyond_the_recent_messages_reaches_back_that_far()
    {
        host.Reset();
        var client = host.User("lore-deep");
        var agent = (await host.CreateAgentAsync(client, new { name = "Ida", timezone = "UTC" })).GetProperty("id").GetString()!;
        using (var settings = await client.PutAsJsonAsync($"/api/agents/{agent}/lorebook", new { name = "Ida's", scanDepth = 20, tokenBudget = 200 }))
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        using (var added = await client.PostAsJsonAsync($"/api/agents/{agent}/lorebook/entries", new { keys = new[] { "zeppelin" }, content = "Ida once flew in a zeppelin." }))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);

        await host.ChatAsync(client, agent, "Have you ever seen a zeppelin?");
        // Eight more exchanges: the mention is now 17 messages back with the new one (beyond the 12 the prompt quotes, within 20).
        for (var i = 0; i < 8; i++) await host.ChatAsync(client, agent, $"Small talk number {i}.");
        var deep = await host.ChatAsync(client, agent, "What else is new?");
        Assert.Single(deep.GetProperty("loreUsed").EnumerateArray());
        Assert.Contains("Ida once flew in a zeppelin.", host.First.Requests[^1].System);
        // The prompt's history still quotes only the latest messages.
        Assert.DoesNotContain(host.First.Requests[^1].Messages, m => m.Role != "system" && m.Content.Contains("zeppelin", StringComparison.Ordinal));

        // Two exchanges later the mention is 21 messages back: out of the window.
        await host.ChatAsync(client, agent, "Small talk again.");
        var beyond = await host.ChatAsync(client, agent, "And now?");
        Assert.Empty(beyond.GetProperty("loreUsed").EnumerateArray());
    }

    [Fact]
    public async Task The_users_own_book_reaches_every_companions_prompt_and_the_api_edits_it()
    {
        host.Reset();
        var client = host.User("lore-user");
        using (var added = await client.PostAsJsonAsync("/api/lorebook/entries", new { keys = new[] { "Priya" }, content = "Priya is their sister; she lives in Lisbon.", name = "sister" }))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var first = (await host.CreateAgentAsync(client, new { name = "Ana", timezone = "UTC" })).GetProperty("id").GetString()!;
        var second = (await host.CreateAgentAsync(client, new { name = "Ben", timezone = "UTC" })).GetProperty("id").GetString()!;

        foreach (var agent in new[] { first, second })
        {
            var turn = await host.ChatAsync(client, agent, "Priya called me today!");
            Assert.Contains("Priya is their sister; she lives in Lisbon.", host.First.Requests[^1].System);
            var used = Assert.Single(turn.GetProperty("loreUsed").EnumerateArray());
            Assert.Equal("user", used.GetProperty("scope").GetString());
        }

        // The companion's own book, with a scan depth of one message: only the new message is searched.
        using (var settings = await client.PutAsJsonAsync($"/api/agents/{first}/lorebook", new { name = "Ana's", scanDepth = 1, tokenBudget = 200 }))
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        var created = await (await client.PostAsJsonAsync($"/api/agents/{first}/lorebook/entries", new { keys = new[] { "garden" }, content = "Ana keeps bees in the garden." }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var entryId = created.GetProperty("id").GetString()!;
        await host.ChatAsync(client, first, "How is the garden?");
        Assert.Contains("Ana keeps bees in the garden.", host.First.Requests[^1].System);
        await host.ChatAsync(client, first, "And the weather?");
        Assert.DoesNotContain("Ana keeps bees in the garden.", host.First.Requests[^1].System);

        using (var replaced = await client.PutAsJsonAsync($"/api/agents/{first}/lorebook/entries/{entryId}", new { keys = new[] { "weather" }, content = "Ana hates rain." }))
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        await host.ChatAsync(client, first, "And the weather?");
        Assert.Contains("Ana hates rain.", host.First.Requests[^1].System);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/agents/{first}/lorebook/entries/{entryId}")).StatusCode);
        await host.ChatAsync(client, first, "And the weather?");
        Assert.DoesNotContain("Ana hates rain.", host.First.Requests[^1].System);

        using var bad = await client.PostAsJsonAsync($"/api/agents/{first}/lorebook/entries", new { keys = new[] { "" }, content = "" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("keys", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("content", out _));
        using var badBook = await client.PutAsJsonAsync("/api/lorebook", new { scanDepth = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, badBook.StatusCode);
    }
}
