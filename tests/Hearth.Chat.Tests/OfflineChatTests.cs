using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Companions;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Chat.Tests;

/// <summary>The chat turn over HTTP with no model configured: offline replies, validation, idempotency, paging, side effects.</summary>
public sealed class OfflineChatTests(OfflineChatHost host) : IClassFixture<OfflineChatHost>
{
    private static readonly SelfReferenceGuard Guard = new(ChatPrompt.Rules);

    [Fact]
    public async Task A_turn_with_no_model_gets_an_offline_reply_in_persona()
    {
        var alice = host.User("offline-alice");
        var agent = await host.CreateAgentAsync(alice, new { name = "Mia", timezone = "Europe/Lisbon", occupation = "baker", homeCity = "Lisbon" });
        var id = agent.GetProperty("id").GetString()!;

        var turn = await host.ChatAsync(alice, id, "Hi Mia! How are you today?");

        Assert.Equal("offline", turn.GetProperty("provider").GetString());
        Assert.Equal("offline-responder", turn.GetProperty("model").GetString());
        var reply = turn.GetProperty("reply").GetProperty("text").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(reply));
        Assert.True(Guard.Check(reply, "Mia").Clean, reply);
        Assert.Equal("Hi Mia! How are you today?", turn.GetProperty("userMessage").GetProperty("text").GetString());
        Assert.InRange(turn.GetProperty("mood").GetProperty("value").GetDouble(), -1, 1);
        Assert.True(turn.GetProperty("affinity").GetProperty("delta").GetDouble() > 0, "a friendly greeting warms");
        Assert.False(turn.GetProperty("replayed").GetBoolean());

        // The second turn remembers the first (hot memory: recent turns).
        var second = await host.ChatAsync(alice, id, "I baked bread with my grandmother yesterday");
        var memories = second.GetProperty("memoriesUsed").EnumerateArray().ToList();
        Assert.Contains(memories, m => m.GetProperty("id").GetString() == turn.GetProperty("reply").GetProperty("id").GetString()
                                       && m.GetProperty("snippet").GetString()!.Contains("How are you today", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_offline_companion_answers_from_its_clock_and_what_it_was_told_and_admits_what_it_was_not()
    {
        var client = host.User("offline-direct");
        var id = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "Asia/Tokyo", homeCity = "Tokyo", occupation = "florist" })).GetProperty("id").GetString()!;
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

        var time = await host.ChatAsync(client, id, "What time is it where you live?");
        Assert.Equal("offline", time.GetProperty("provider").GetString());
        Assert.Contains(TimeZoneInfo.ConvertTime(host.Clock.GetUtcNow(), tokyo).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            time.GetProperty("reply").GetProperty("text").GetString());

        await host.ChatAsync(client, id, "My cat is called Quibblesworth, she is a tabby.");
        var pet = await host.ChatAsync(client, id, "Do you remember what my cat is called?");
        Assert.Contains("your cat is called Quibblesworth", pet.GetProperty("reply").GetProperty("text").GetString());

        var unknown = await host.ChatAsync(client, id, "What is my grandmother's maiden name?");
        Assert.Matches("(?i)don't know|never told me", unknown.GetProperty("reply").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Kind_words_warm_with_diminishing_returns_and_every_change_is_stored_rounded()
    {
        var client = host.User("offline-feelings");
        var id = (await host.CreateAgentAsync(client, new { name = "Mia", timezone = "UTC" })).GetProperty("id").GetString()!;
        JsonElement turn = default;
        for (var i = 0; i < 20; i++) turn = await host.ChatAsync(client, id, $"You are amazing and wonderful, I love talking to you! ({i})");

        var mood = turn.GetProperty("mood").GetProperty("value").GetDouble();
        var affinity = turn.GetProperty("affinity").GetProperty("value").GetDouble();
        Assert.InRange(mood, 0.2, 0.2 + Feelings.MaxMoodGainPerHour + 1e-9);      // twenty lines in an hour: warmer, not elated
        Assert.NotEqual("elated", turn.GetProperty("mood").GetProperty("label").GetString());
        Assert.InRange(affinity, 10, 10 + Feelings.MaxAffinityGainPerHour + 1e-9);
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/state");
        foreach (var change in state.GetProperty("recentChanges").EnumerateArray())
        {
            var delta = change.GetProperty("delta").GetDouble();
            Assert.Equal(Math.Round(delta, 4), delta);   // no float noise such as 14.420000000000002
        }
        Assert.Equal(Math.Round(affinity, 2), affinity);
    }

    [Fact]
    public async Task Bad_input_and_other_peoples_agents_are_problems()
    {
        var alice = host.User("val-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Noah", timezone = "UTC" })).GetProperty("id").GetString()!;

        await AssertProblemAsync(await alice.PostAsJsonAsync($"/api/agents/{id}/chat", new { text = "" }), HttpStatusCode.BadRequest, "validation");
        await AssertProblemAsync(await alice.PostAsJsonAsync($"/api/agents/{id}/chat", new { text = "   " }), HttpStatusCode.BadRequest, "validation");
        await AssertProblemAsync(await alice.PostAsJsonAsync($"/api/agents/{id}/chat", new { text = new string('a', 8001) }), HttpStatusCode.BadRequest, "validation");
        var ok = await alice.PostAsJsonAsync($"/api/agents/{id}/chat", new { text = new string('a', 8000) });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        await AssertProblemAsync(await alice.PostAsJsonAsync($"/api/agents/{Guid.NewGuid()}/chat", new { text = "hi" }), HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(await alice.PostAsJsonAsync("/api/agents/not-a-uuid/chat", new { text = "hi" }), HttpStatusCode.NotFound, "not-found");
        var bob = host.User("val-bob");
        await AssertProblemAsync(await bob.PostAsJsonAsync($"/api/agents/{id}/chat", new { text = "hi" }), HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(await bob.GetAsync($"/api/agents/{id}"), HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(await bob.GetAsync($"/api/agents/{id}/messages"), HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(await bob.DeleteAsync($"/api/agents/{id}"), HttpStatusCode.NotFound, "not-found");
        await AssertProblemAsync(await bob.PostAsJsonAsync($"/api/agents/{id}/chat/stream", new { text = "hi" }), HttpStatusCode.NotFound, "not-found");

        await AssertProblemAsync(await alice.PostAsJsonAsync("/api/agents", new { name = "", timezone = "UTC" }), HttpStatusCode.BadRequest, "validation");
        await AssertProblemAsync(await alice.PostAsJsonAsync("/api/agents", new { name = "X", timezone = "Mars/Olympus" }), HttpStatusCode.BadRequest, "validation");
        await AssertProblemAsync(await alice.PostAsJsonAsync("/api/agents", new { name = "X", timezone = "UTC",
            availability = new[] { new { days = new[] { "funday" }, from = "25:00", to = "07:00", state = "Asleep" } } }), HttpStatusCode.BadRequest, "validation");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous.PostAsJsonAsync($"/api/agents/{id}/chat", new { text = "hi" })).StatusCode);
    }

    [Fact]
    public async Task A_repeated_client_message_id_returns_the_first_result_and_does_nothing_twice()
    {
        var alice = host.User("idem-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Lena", timezone = "Europe/Berlin" })).GetProperty("id").GetString()!;

        var first = await host.ChatAsync(alice, id, "Good morning!", "msg-1");
        var again = await host.ChatAsync(alice, id, "Good morning!", "msg-1");
        Assert.Equal(first.GetProperty("reply").GetProperty("id").GetString(), again.GetProperty("reply").GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("reply").GetProperty("text").GetString(), again.GetProperty("reply").GetProperty("text").GetString());
        Assert.Equal(first.GetProperty("affinity").GetProperty("value").GetDouble(), again.GetProperty("affinity").GetProperty("value").GetDouble());
        Assert.True(again.GetProperty("replayed").GetBoolean());

        // Concurrent duplicates: one stored exchange, every caller gets it.
        var racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => host.ChatAsync(alice, id, "Are you there?", "msg-2")));
        Assert.Single(racing.Select(r => r.GetProperty("reply").GetProperty("id").GetString()).Distinct());

        Assert.Equal(4, await host.ScalarAsync("select count(*) from chat.messages where agent_id = @a", ("a", Guid.Parse(id))));
        Assert.Equal(2, await host.ScalarAsync("select count(*) from durable.jobs where queue = @q and payload->>'agentId' = @a", ("q", ChatQueues.IndexTurn), ("a", id)));
        Assert.Equal(2, await host.ScalarAsync("select count(*) from companions.affinity_deltas where agent_id = @a", ("a", Guid.Parse(id))));
    }

    [Fact]
    public async Task Paging_returns_every_message_exactly_once_newest_first()
    {
        var alice = host.User("paging-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Theo", timezone = "America/New_York" })).GetProperty("id").GetString()!;
        for (var i = 0; i < 11; i++) await host.ChatAsync(alice, id, $"message number {i}");

        var seen = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages?limit=4" + (cursor is null ? "" : $"&before={cursor}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null && pages < 20);

        Assert.Equal(22, seen.Count);
        Assert.Equal(22, seen.Select(m => m.GetProperty("id").GetString()).Distinct().Count());
        var times = seen.Select(m => m.GetProperty("createdAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderByDescending(t => t).ToList(), times);
        Assert.Equal("agent", seen[0].GetProperty("role").GetString());
        Assert.Equal("message number 10", seen[1].GetProperty("text").GetString());
        Assert.Equal("message number 0", seen[^1].GetProperty("text").GetString());

        await AssertProblemAsync(await alice.GetAsync($"/api/agents/{id}/messages?limit=101"), HttpStatusCode.BadRequest, "validation");
        await AssertProblemAsync(await alice.GetAsync($"/api/agents/{id}/messages?before={Guid.NewGuid()}"), HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task Each_turn_enqueues_its_side_effects_in_the_reply_transaction()
    {
        var alice = host.User("jobs-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Ava", timezone = "Asia/Tokyo" })).GetProperty("id").GetString()!;
        var turns = new List<JsonElement>();
        for (var i = 0; i < 3; i++) turns.Add(await host.ChatAsync(alice, id, $"turn {i}"));

        Assert.Equal(3, await host.ScalarAsync("select count(*) from durable.jobs where queue = @q and payload->>'agentId' = @a", ("q", ChatQueues.IndexTurn), ("a", id)));
        Assert.Equal(3, await host.ScalarAsync("select count(*) from durable.jobs where queue = @q and payload->>'agentId' = @a", ("q", ChatQueues.ExtractSuggestions), ("a", id)));
        // Chat:SummaryEveryTurns is 3 here: the third exchange of the session asks for a summary up to its reply.
        var last = turns[^1].GetProperty("reply").GetProperty("id").GetString()!;
        Assert.Equal(1, await host.ScalarAsync("select count(*) from durable.jobs where queue = @q and payload->>'upToMessageId' = @m", ("q", ChatQueues.SummariseSession), ("m", last)));
        Assert.Equal(0, await host.ScalarAsync("select count(*) from durable.jobs where queue = @q", ("q", ChatQueues.MirrorTurn)));
        var payload = await host.ScalarAsync("select (payload->>'turnNumber')::bigint from durable.jobs where queue = @q and payload->>'replyMessageId' = @m",
            ("q", ChatQueues.IndexTurn), ("m", last));
        Assert.Equal(3, payload);
        Assert.Equal(1, await host.ScalarAsync("select count(distinct session_id) from chat.messages where agent_id = @a", ("a", Guid.Parse(id))));
    }

    [Fact]
    public async Task Silence_longer_than_the_session_gap_starts_a_new_session()
    {
        var alice = host.User("session-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Kai", timezone = "UTC" })).GetProperty("id").GetString()!;
        var first = await host.ChatAsync(alice, id, "hello");
        var second = await host.ChatAsync(alice, id, "still here");
        Assert.Equal(first.GetProperty("sessionId").GetString(), second.GetProperty("sessionId").GetString());
        host.Clock.Now += TimeSpan.FromHours(7);
        var third = await host.ChatAsync(alice, id, "back again");
        Assert.NotEqual(first.GetProperty("sessionId").GetString(), third.GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task The_stream_sends_the_reply_as_server_sent_events_and_ends_with_the_full_answer()
    {
        var alice = host.User("sse-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Iris", timezone = "Europe/Paris" })).GetProperty("id").GetString()!;
        var response = await alice.PostAsJsonAsync($"/api/agents/{id}/chat/stream", new { text = "What are you doing right now?", clientMessageId = "s-1" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        var deltas = string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString()));
        var done = Assert.Single(events, e => e.Name == "done").Data;
        Assert.Equal(done.GetProperty("reply").GetProperty("text").GetString(), deltas);
        Assert.Equal("offline", done.GetProperty("provider").GetString());
        Assert.Equal("done", events[^1].Name);

        // The stream is idempotent too: the same client message id replays the stored reply.
        var again = Sse.Parse(await (await alice.PostAsJsonAsync($"/api/agents/{id}/chat/stream", new { text = "What are you doing right now?", clientMessageId = "s-1" })).Content.ReadAsStringAsync());
        Assert.Equal(done.GetProperty("reply").GetProperty("id").GetString(), again.Single(e => e.Name == "done").Data.GetProperty("reply").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Agents_can_be_created_read_listed_changed_and_deleted()
    {
        var alice = host.User("crud-alice");
        var created = await host.CreateAgentAsync(alice, new
        {
            name = "Clara", timezone = "Europe/Vienna", bio = "Plays the cello badly and happily.", personality = "warm", speakingStyle = "lowercase",
            homeCity = "Vienna", occupation = "librarian",
            availability = new[] { new { days = new[] { "sat", "sun" }, from = "10:00", to = "12:00", state = "Working" } },
        });
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("Europe/Vienna", created.GetProperty("timezone").GetString());
        Assert.Equal("Working", created.GetProperty("availability")[0].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("portraitJobId").ValueKind); // no appearance prompt, no portrait

        var patched = await (await alice.PatchAsJsonAsync($"/api/agents/{id}", new { occupation = "archivist", moodBaseline = 0.5 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("archivist", patched.GetProperty("occupation").GetString());
        Assert.Equal("Clara", patched.GetProperty("name").GetString());
        await AssertProblemAsync(await alice.PatchAsJsonAsync($"/api/agents/{id}", new { moodBaseline = 3 }), HttpStatusCode.BadRequest, "validation");

        var list = await alice.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), a => a.GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.DeleteAsync($"/api/agents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/agents/{id}")).StatusCode);
    }

    [Fact]
    public async Task Scenarios_life_events_and_state_are_served_and_read_into_the_turn()
    {
        var alice = host.User("life-alice");
        var userId = await host.UserIdAsync("life-alice");
        var id = (await host.CreateAgentAsync(alice, new { name = "Eli", timezone = "Europe/London", homeCity = "London" })).GetProperty("id").GetString()!;

        var scenario = await alice.PostAsJsonAsync($"/api/agents/{id}/scenarios", new { title = "Moving flats", description = "Boxes everywhere." });
        Assert.Equal(HttpStatusCode.Created, scenario.StatusCode);
        await AssertProblemAsync(await alice.PostAsJsonAsync($"/api/agents/{id}/scenarios", new { title = "" }), HttpStatusCode.BadRequest, "validation");
        var scenarios = await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/scenarios");
        Assert.True(scenarios.GetProperty("items")[0].GetProperty("active").GetBoolean());

        var life = host.Factory.Services.GetRequiredService<ILifeEvents>();
        for (var i = 0; i < 3; i++)
            Assert.NotNull(await life.AddAsync(new LifeEventDraft(userId, id, host.Clock.Now.AddHours(-i - 1), "activity", $"went for walk number {i}", 0.1, "walks", $"walk-{i}"), null, default));
        // A retry of the same event is a no-op: mood moved once.
        await life.AddAsync(new LifeEventDraft(userId, id, host.Clock.Now.AddHours(-1), "activity", "went for walk number 0", 0.1, "walks", "walk-0"), null, default);
        Assert.Null(await life.AddAsync(new LifeEventDraft(Guid.NewGuid().ToString(), id, host.Clock.Now, "activity", "not mine", 0, null, null), null, default));

        var page = await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/events?limit=2");
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.Equal("went for walk number 0", page.GetProperty("items")[0].GetProperty("text").GetString());
        var rest = await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/events?limit=2&before={page.GetProperty("nextCursor").GetString()}");
        Assert.Equal("went for walk number 2", Assert.Single(rest.GetProperty("items").EnumerateArray()).GetProperty("text").GetString());

        var state = await alice.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/state");
        Assert.Equal(0.5, state.GetProperty("mood").GetProperty("value").GetDouble(), 3); // 0.2 baseline + three events of 0.1
        Assert.Equal("Europe/London", state.GetProperty("timezone").GetString());
        Assert.StartsWith("2025-03-04T13:05:00+00:00", state.GetProperty("localTime").GetString());
        Assert.Equal("Working", state.GetProperty("availability").GetString()); // a Tuesday afternoon
        Assert.Equal("Moving flats", state.GetProperty("scenario").GetProperty("title").GetString());
        Assert.Contains(state.GetProperty("recentChanges").EnumerateArray(), c => c.GetProperty("reason").GetString()!.StartsWith("life event: went for walk", StringComparison.Ordinal));

        var feelings = host.Factory.Services.GetRequiredService<IAgentFeelings>();
        var drifted = await feelings.DriftMoodAsync(userId, id, 0.5, "drift toward baseline", null, default);
        Assert.Equal(0.35, drifted!.Mood, 3);
    }

    [Fact]
    public async Task Generate_drafts_a_persona_offline_that_can_be_created()
    {
        var alice = host.User("gen-alice");
        var response = await alice.PostAsJsonAsync("/api/agents/generate", new { hints = "a cheerful baker from Lisbon who surfs at dawn" });
        var generated = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("offline", generated.GetProperty("provider").GetString());
        var draft = generated.GetProperty("draft");
        Assert.Equal("Europe/Lisbon", draft.GetProperty("timezone").GetString());
        Assert.Equal("baker", draft.GetProperty("occupation").GetString());
        Assert.Contains("surfs at dawn", draft.GetProperty("bio").GetString());
        var again = await (await alice.PostAsJsonAsync("/api/agents/generate", new { hints = "a cheerful baker from Lisbon who surfs at dawn" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(draft.GetProperty("name").GetString(), again.GetProperty("draft").GetProperty("name").GetString());

        var created = await alice.PostAsync("/api/agents", JsonContent.Create(draft));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Status_lists_the_offline_responder()
    {
        var status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/status");
        var models = status.GetProperty("providers").GetProperty("models");
        Assert.Equal("offline", models.GetProperty("chat").GetString());
        Assert.Equal("offline", Assert.Single(models.GetProperty("chain").EnumerateArray()).GetProperty("provider").GetString());
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"urn:hearth:problem:{type}", problem.GetProperty("type").GetString());
    }
}

/// <summary>Parses a server-sent events body.</summary>
internal static class Sse
{
    public static List<(string Name, JsonElement Data)> Parse(string body) =>
        body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Select(lines => (
                lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..],
                JsonDocument.Parse(lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement.Clone()))
            .ToList();
}
