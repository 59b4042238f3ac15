using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>Character cards in and out (issue 20): a V2 PNG and a V3 JSON card become companions whose first message,
/// personality and lorebook reach the model; export and re-import keep every field; bad cards change nothing.</summary>
[Collection("model-host")]
public sealed class CardTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    private static async Task<JsonElement> ImportAsync(HttpClient client, HttpContent content, string query = "?timezone=UTC")
    {
        using var response = await client.PostAsync("/api/agents/import" + query, content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.NotNull(response.Headers.Location);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_v2_png_card_becomes_a_companion_whose_first_message_personality_and_lorebook_are_in_the_first_turns_prompt()
    {
        host.Reset();
        var client = host.User("card-v2");
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        var userName = me.GetProperty("displayName").GetString()!;

        var agent = await ImportAsync(client, CardFixtures.PngContent(CardFixtures.Png(CardFixtures.V2())));
        var id = agent.GetProperty("id").GetString()!;
        Assert.Equal("Captain Wren", agent.GetProperty("name").GetString());
        Assert.Equal("dry wit, fiercely loyal, allergic to paperwork", agent.GetProperty("personality").GetString());
        Assert.Equal("UTC", agent.GetProperty("timezone").GetString());

        // The card's picture is the base portrait, without the card text in it.
        var mediaId = agent.GetProperty("baseImageMediaId").GetString();
        Assert.NotNull(mediaId);
        var portrait = await client.GetByteArrayAsync($"/media/{mediaId}");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, portrait[..4]);
        Assert.Empty(TinyPng.Texts(portrait));

        // The first message opens the conversation as the companion's, with the user's name in it.
        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages");
        var opening = Assert.Single(messages.GetProperty("items").EnumerateArray());
        Assert.Equal("agent", opening.GetProperty("role").GetString());
        Assert.Equal($"Welcome aboard, {userName}. Mind the rigging, it bites.", opening.GetProperty("text").GetString());

        var turn = await host.ChatAsync(client, id, "So, is the Kestrel as fast as they say?");
        var request = host.First.Requests[^1];
        Assert.Contains("You are Captain Wren. Captain Wren commands the airship Kestrel", request.System); // {{char}} filled in
        Assert.Contains("dry wit, fiercely loyal, allergic to paperwork", request.System);
        Assert.Contains($"Welcome aboard, {userName}. Mind the rigging, it bites.", request.System);
        Assert.Contains($"{userName} has just signed on as the Kestrel's navigator.", request.System);
        Assert.Contains("Wherever the wind owes us money.", request.System);
        Assert.Contains("Keep the banter quick and salty.", request.System);
        Assert.Contains("The Kestrel is a three-masted airship", request.System);        // key in the user's message
        Assert.Contains("Sky pirates fly black kites", request.System);                 // constant
        Assert.DoesNotContain("Vantor is the storm city", request.System);              // not mentioned
        Assert.True(request.System.IndexOf("Sky pirates", StringComparison.Ordinal) < request.System.IndexOf("You are Captain Wren", StringComparison.Ordinal),
            "a before_char entry goes above the persona");
        Assert.DoesNotContain("{{", request.System);
        var lore = turn.GetProperty("loreUsed").EnumerateArray().Select(l => l.GetProperty("name").GetString()).ToList();
        Assert.Equal(["pirates", "ship"], lore);

        // A selective entry needs its secondary key too.
        await host.ChatAsync(client, id, "We should avoid Vantor this week.");
        Assert.DoesNotContain("Vantor is the storm city", host.First.Requests[^1].System);
        await host.ChatAsync(client, id, "Is Vantor still angry about your debt?");
        Assert.Contains("Vantor is the storm city", host.First.Requests[^1].System);
    }

    [Fact]
    public async Task The_cards_alternate_greetings_are_swipes_of_the_opening_and_the_chosen_one_opens_the_conversation()
    {
        host.Reset();
        var client = host.User("card-greetings");
        var userName = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("displayName").GetString()!;
        var id = (await ImportAsync(client, CardFixtures.JsonContent(CardFixtures.V2()))).GetProperty("id").GetString()!;
        var opening = (await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages")).GetProperty("items")[0].GetProperty("id").GetString()!;

        // The first message, then each alternate greeting (macros filled in), the first chosen.
        var greetings = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages/{opening}/alternatives");
        Assert.Equal(0, greetings.GetProperty("selected").GetInt32());
        Assert.Equal([$"Welcome aboard, {userName}. Mind the rigging, it bites.", "Oh good, the new navigator. Can you read a map upside down?",
                "You're late. The clouds wait for no one."],
            greetings.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()).ToList());

        // Choosing one makes it the opening: the messages and the first turn's prompt read it, not the first message.
        using (var chosen = await client.PutAsJsonAsync($"/api/agents/{id}/messages/{opening}/selected", new { index = 2 }))
        {
            Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
            Assert.Equal("You're late. The clouds wait for no one.", (await chosen.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString());
        }
        Assert.Equal("You're late. The clouds wait for no one.",
            (await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages")).GetProperty("items")[0].GetProperty("text").GetString());
        using (var bad = await client.PutAsJsonAsync($"/api/agents/{id}/messages/{opening}/selected", new { index = 3 }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var regenerate = await client.PostAsync($"/api/agents/{id}/messages/{opening}/regenerate", null))
            Assert.Equal(HttpStatusCode.Conflict, regenerate.StatusCode);
        await host.ChatAsync(client, id, "Sorry, sorry! Where do I stand?");
        Assert.Contains("You're late. The clouds wait for no one.", host.First.Requests[^1].System, StringComparison.Ordinal);
        Assert.DoesNotContain("Mind the rigging", host.First.Requests[^1].System, StringComparison.Ordinal);

        // Once the user has written, the opening stays as chosen; someone else cannot see or choose its greetings.
        using (var late = await client.PutAsJsonAsync($"/api/agents/{id}/messages/{opening}/selected", new { index = 0 }))
        {
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
            Assert.Equal("urn:hearth:problem:conflict", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }
        var stranger = host.User("card-greetings-stranger");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/agents/{id}/messages/{opening}/alternatives")).StatusCode);
        using (var stolen = await stranger.PutAsJsonAsync($"/api/agents/{id}/messages/{opening}/selected", new { index = 1 }))
            Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
    }

    [Fact]
    public async Task The_prompt_inspector_shows_the_exact_messages_sent_for_a_reply_to_its_owner_only()
    {
        host.Reset();
        var client = host.User("card-inspect");
        var id = (await ImportAsync(client, CardFixtures.JsonContent(CardFixtures.V2()))).GetProperty("id").GetString()!;
        await host.ChatAsync(client, id, "Morning, captain.");
        var turn = await host.ChatAsync(client, id, "Where is the Kestrel headed?");
        var sent = host.First.Requests[^1];
        var replyId = turn.GetProperty("reply").GetProperty("id").GetString()!;

        var prompt = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages/{replyId}/prompt");
        var messages = prompt.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal(sent.Messages.Select(m => ((string?)m.Role, (string?)m.Content)).ToList(), messages);
        Assert.Equal("first-model", prompt.GetProperty("model").GetString());
        Assert.Contains(prompt.GetProperty("loreUsed").EnumerateArray(), l => l.GetProperty("name").GetString() == "ship");

        using var other = await host.User("card-inspect-other").GetAsync($"/api/agents/{id}/messages/{replyId}/prompt");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        var userMessage = turn.GetProperty("userMessage").GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/agents/{id}/messages/{userMessage}/prompt")).StatusCode);
    }

    [Fact]
    public async Task A_v3_json_card_imports_and_export_then_reimport_round_trips_every_field()
    {
        host.Reset();
        var client = host.User("card-v3");
        var original = CardFixtures.V3();
        var agent = await ImportAsync(client, CardFixtures.JsonContent(original), "?timezone=Europe/Rome");
        var id = agent.GetProperty("id").GetString()!;

        var exported = await ExportJsonAsync(client, id);
        Assert.Equal("chara_card_v2", exported["spec"]!.GetValue<string>());
        Assert.Equal("2.0", exported["spec_version"]!.GetValue<string>());
        var data = exported["data"]!.AsObject();
        var source = original["data"]!.AsObject();
        foreach (var field in new[] { "name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes", "system_prompt",
                     "post_history_instructions", "alternate_greetings", "tags", "creator", "character_version" })
            Assert.True(JsonNode.DeepEquals(source[field], data[field]), $"{field}: {source[field]?.ToJsonString()} became {data[field]?.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(source["extensions"]!["depth_prompt"], data["extensions"]!["depth_prompt"]));
        Assert.Equal("Europe/Rome", data["extensions"]!["hearth"]!["timezone"]!.GetValue<string>());
        var book = data["character_book"]!.AsObject();
        Assert.Equal("Workshop", book["name"]!.GetValue<string>());
        Assert.Equal(2, book["scan_depth"]!.GetValue<int>());
        Assert.Equal(200, book["token_budget"]!.GetValue<int>());
        var entry = Assert.Single(book["entries"]!.AsArray())!.AsObject();
        var sourceEntry = source["character_book"]!["entries"]![0]!.AsObject();
        foreach (var field in new[] { "keys", "content", "extensions", "enabled", "insertion_order", "case_sensitive", "priority", "selective", "secondary_keys", "constant", "position" })
            Assert.True(JsonNode.DeepEquals(sourceEntry[field], entry[field]), $"entry {field}: {sourceEntry[field]?.ToJsonString()} became {entry[field]?.ToJsonString()}");

        // The exported PNG carries the same card (V2 in chara, V3 in ccv3) and imports back to the same card.
        using var pngResponse = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/agents/{id}/card") { Headers = { { "Accept", "image/png" } } });
        Assert.Equal("image/png", pngResponse.Content.Headers.ContentType?.MediaType);
        var png = await pngResponse.Content.ReadAsByteArrayAsync();
        var texts = TinyPng.Texts(png);
        var inChara = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(texts["chara"])))!;
        Assert.True(JsonNode.DeepEquals(exported, inChara));
        Assert.Equal("chara_card_v3", JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(texts["ccv3"])))!["spec"]!.GetValue<string>());

        var again = await ImportAsync(client, CardFixtures.PngContent(png), "");
        var reexported = await ExportJsonAsync(client, again.GetProperty("id").GetString()!);
        Assert.True(JsonNode.DeepEquals(exported, reexported), $"{exported.ToJsonString()}\n!=\n{reexported.ToJsonString()}");
        Assert.Equal("Europe/Rome", again.GetProperty("timezone").GetString()); // Hearth's own fields travel in extensions.hearth
    }

    private static async Task<JsonObject> ExportJsonAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/agents/{id}/card");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Bad_cards_get_a_problem_naming_the_field_and_nothing_is_written()
    {
        var client = host.User("card-bad");
        var me = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;

        var noName = CardFixtures.V2();
        noName["data"]!.AsObject().Remove("name");
        await AssertRefusedAsync(client, CardFixtures.JsonContent(noName), "data.name");

        var badEntry = CardFixtures.V2();
        badEntry["data"]!["character_book"]!["entries"]![1]!["content"] = 42;
        await AssertRefusedAsync(client, CardFixtures.PngContent(CardFixtures.Png(badEntry)), "data.character_book.entries[1].content");

        var badTags = CardFixtures.V3();
        badTags["data"]!["tags"] = "music";
        await AssertRefusedAsync(client, CardFixtures.JsonContent(badTags), "data.tags");

        var badZone = CardFixtures.V2();
        badZone["data"]!["extensions"]!["hearth"] = new JsonObject { ["timezone"] = "Mars/Olympus" };
        await AssertRefusedAsync(client, CardFixtures.JsonContent(badZone), "data.extensions.hearth.timezone");

        await AssertRefusedAsync(client, CardFixtures.JsonContent(new JsonObject { ["spec"] = "chara_card_v9", ["data"] = new JsonObject() }), "spec");
        var nul = CardFixtures.V2();
        nul["data"]!["first_mes"] = "Hello\u0000there";
        await AssertRefusedAsync(client, CardFixtures.PngContent(CardFixtures.Png(nul)), "data.first_mes"); // PostgreSQL cannot store U+0000
        await AssertRefusedAsync(client, new StringContent("{ not json", Encoding.UTF8, "application/json"), "card");
        await AssertRefusedAsync(client, CardFixtures.PngContent(TinyPng.Solid(1, 2, 3)), "chara");
        await AssertRefusedAsync(client, CardFixtures.PngContent(TinyPng.WithText(TinyPng.Solid(1, 2, 3), "chara", "%%% not base64 %%%")), "chara");
        var damaged = CardFixtures.Png(CardFixtures.V2());
        damaged[60] ^= 0x01; // inside the card's tEXt chunk: its CRC no longer matches
        await AssertRefusedAsync(client, CardFixtures.PngContent(damaged), "image");

        using (var text = await client.PostAsync("/api/agents/import", new StringContent("Captain Wren", Encoding.UTF8, "text/plain")))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        using (var huge = await client.PostAsync("/api/agents/import", new ByteArrayContent(new byte[8 * 1024 * 1024 + 1]) { Headers = { ContentType = new("image/png") } }))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
            Assert.Equal("application/problem+json", huge.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(0, await host.ScalarAsync("select count(*) from companions.agents where owner_id = @o::uuid", ("o", me)));
        Assert.Equal(0, await host.ScalarAsync("select count(*) from media.items where owner_id = @o::uuid", ("o", me)));
        Assert.Equal(0, await host.ScalarAsync("select count(*) from chat.lorebooks where owner_id = @o::uuid", ("o", me)));
    }

    private static async Task AssertRefusedAsync(HttpClient client, HttpContent content, string field)
    {
        using var response = await client.PostAsync("/api/agents/import", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{field}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("urn:hearth:problem:validation", problem["type"]!.GetValue<string>());
        Assert.True(problem["errors"]?[field] is not null, $"no error for {field}: {body}");
    }

    [Fact]
    public async Task Another_users_card_and_lorebook_are_404()
    {
        var alice = host.User("card-owner");
        var id = (await ImportAsync(alice, CardFixtures.JsonContent(CardFixtures.V2()))).GetProperty("id").GetString()!;
        var entries = (await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/lorebook")).GetProperty("entries");
        Assert.Equal(3, entries.GetArrayLength());
        var entryId = entries[0].GetProperty("id").GetString()!;

        var bob = host.User("card-intruder");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/agents/{id}/card")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/agents/{id}/lorebook")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/agents/{id}/lorebook/entries/{entryId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/lorebook/entries/{entryId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PutAsJsonAsync($"/api/agents/{id}/lorebook/entries/{entryId}", new { keys = new[] { "x" }, content = "mine now" })).StatusCode);
        Assert.Equal(3, (await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/lorebook")).GetProperty("entries").GetArrayLength());
    }
}
