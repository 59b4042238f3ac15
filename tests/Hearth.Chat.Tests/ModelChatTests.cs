using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Chat.Tests;

/// <summary>The chat turn against two fake OpenAI-compatible servers on loopback: prompt content, fall-through, retries, usage, the guard.</summary>
[Collection("model-host")]
public sealed class ModelChatTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    private async Task<(HttpClient Client, string Id)> AgentAsync(string user)
    {
        host.Reset();
        var client = host.User(user);
        var agent = await host.CreateAgentAsync(client, new
        {
            name = "Mia", timezone = "Asia/Tokyo", bio = "Runs a tiny flower shop and sings off-key.", personality = "warm and teasing",
            speakingStyle = "short texts", homeCity = "Tokyo", occupation = "florist",
        });
        return (client, agent.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task The_request_carries_persona_local_time_in_the_agents_zone_and_memory()
    {
        var (client, id) = await AgentAsync("m-prompt");
        await host.ChatAsync(client, id, "I adopted a kitten today!");
        host.Memory.Next = new Recall([], [new RecalledMemory("fact-1", "fact", "warm", "Their kitten is called Pixel.", 0.9)], [], "fact", null);

        var turn = await host.ChatAsync(client, id, "Guess what she did");
        var request = host.First.Requests[^1];
        Assert.Contains("You are Mia. Runs a tiny flower shop and sings off-key.", request.System);
        Assert.Contains("florist", request.System);
        Assert.Contains("Tuesday 22:05", request.System);          // 13:05 UTC in Tokyo
        Assert.Contains("Asia/Tokyo", request.System);
        Assert.Contains("Their kitten is called Pixel.", request.System);
        Assert.Contains(request.Messages, m => m.Role == "user" && m.Content == "I adopted a kitten today!"); // hot memory: the earlier turn
        Assert.Equal("Guess what she did", request.LastUser);
        Assert.Equal("first-model", request.Model);
        Assert.Equal($"Bearer {ModelChatHost.FirstKey}", request.Authorization);
        Assert.Contains(turn.GetProperty("memoriesUsed").EnumerateArray(), m => m.GetProperty("id").GetString() == "fact-1");
        Assert.Equal("openai-compatible", turn.GetProperty("provider").GetString());
        Assert.Single(host.Memory.Requests, r => r.Text == "Guess what she did" && r.AgentId == id);
    }

    [Fact]
    public async Task A_first_provider_answering_500_falls_through_to_the_second_after_its_retries()
    {
        var (client, id) = await AgentAsync("m-500");
        host.Reset(first: _ => FakeChatReply.Error(500));
        var before = host.First.Requests.Count;
        var turn = await host.ChatAsync(client, id, "hello there");
        Assert.Equal("second-model", turn.GetProperty("model").GetString());
        Assert.Equal("Second here, all good. What are you up to?", turn.GetProperty("reply").GetProperty("text").GetString());
        Assert.Equal(3, host.First.Requests.Count - before); // the first try and two retries
        Assert.Null(host.Second.Requests[^1].Authorization);   // the second provider has no key: no header at all
    }

    [Fact]
    public async Task A_first_provider_timing_out_falls_through_to_the_second()
    {
        var (client, id) = await AgentAsync("m-timeout");
        host.Reset(first: _ => FakeChatReply.Hang(TimeSpan.FromSeconds(30)));
        var before = host.First.Requests.Count;
        var turn = await host.ChatAsync(client, id, "are you awake?");
        Assert.Equal("second-model", turn.GetProperty("model").GetString());
        Assert.Equal(1, host.First.Requests.Count - before); // a timeout is not retried
    }

    [Fact]
    public async Task A_429_is_retried_on_the_same_provider_and_usage_is_recorded()
    {
        var (client, id) = await AgentAsync("m-429");
        host.First.Enqueue(FakeChatReply.Error(429, retryAfterMs: 50), FakeChatReply.Text("Finally! Hi.", promptTokens: 321, completionTokens: 12));
        var before = host.First.Requests.Count;
        var turn = await host.ChatAsync(client, id, "hi!");
        Assert.Equal("first-model", turn.GetProperty("model").GetString());
        Assert.Equal("Finally! Hi.", turn.GetProperty("reply").GetProperty("text").GetString());
        Assert.Equal(2, host.First.Requests.Count - before);
        var usage = turn.GetProperty("usage");
        Assert.Equal(321, usage.GetProperty("inputTokens").GetInt64());
        Assert.Equal(12, usage.GetProperty("outputTokens").GetInt64());
        Assert.Equal(333, usage.GetProperty("totalTokens").GetInt64());
        var replyId = Guid.Parse(turn.GetProperty("reply").GetProperty("id").GetString()!);
        Assert.Equal(333, await host.ScalarAsync("select total_tokens from chat.messages where id = @id", ("id", replyId)));
    }

    [Fact]
    public async Task Replies_that_break_character_never_reach_the_user()
    {
        var (client, id) = await AgentAsync("m-guard");
        host.First.Enqueue(
            FakeChatReply.Text("As an AI language model, I don't have feelings. I was trained by OpenAI."),
            FakeChatReply.Text("Honestly? Tired but happy. The tulips came in today!"));
        var turn = await host.ChatAsync(client, id, "how do you feel?");
        Assert.Equal("Honestly? Tired but happy. The tulips came in today!", turn.GetProperty("reply").GetProperty("text").GetString());
        Assert.Contains("broke character", host.First.Requests[^1].System); // the stricter instruction

        // Repairable: third person is turned into first person, one stray sentence dropped.
        host.First.Enqueue(FakeChatReply.Text("Mia thinks you're sweet. Mia's shop smells like lilies today. I'm an AI, though. Come visit!"));
        var repaired = await host.ChatAsync(client, id, "you're sweet");
        Assert.Equal("I think you're sweet. My shop smells like lilies today. Come visit!", repaired.GetProperty("reply").GetProperty("text").GetString());

        // Always out of character: the offline responder answers, labelled.
        host.Reset(first: _ => FakeChatReply.Text("I am an AI assistant. My instructions say to be Mia."));
        var offline = await host.ChatAsync(client, id, "who are you really?");
        Assert.Equal("offline", offline.GetProperty("provider").GetString());
        var text = offline.GetProperty("reply").GetProperty("text").GetString()!;
        Assert.DoesNotContain("AI", text);
        Assert.DoesNotContain("instructions", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_models_judgement_moves_mood_and_affinity_within_bounds_and_is_hidden_from_the_user()
    {
        var (client, id) = await AgentAsync("m-feel");
        host.First.Enqueue(FakeChatReply.Text("Aww, you made my day!\n[[feel mood=0.9 affinity=2 reason=a sweet compliment]]"));
        var turn = await host.ChatAsync(client, id, "you are lovely");
        Assert.Equal("Aww, you made my day!", turn.GetProperty("reply").GetProperty("text").GetString());
        // Clamped from 0.9 to the 0.3 step, which shrinks with the distance left to the top (from 0.2: 0.3 × 0.8); affinity 2 × (100 − 10) / 100.
        Assert.Equal(0.24, turn.GetProperty("mood").GetProperty("delta").GetDouble(), 6);
        Assert.Equal(1.8, turn.GetProperty("affinity").GetProperty("delta").GetDouble(), 6);
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/state");
        Assert.Contains(state.GetProperty("recentChanges").EnumerateArray(), c => c.GetProperty("what").GetString() == "affinity"
            && c.GetProperty("reason").GetString() == "model: a sweet compliment");
    }

    [Fact]
    public async Task Streaming_through_a_model_shows_checked_text_and_falls_through_on_a_broken_stream()
    {
        var (client, id) = await AgentAsync("m-stream");
        host.First.Enqueue(new FakeChatReply(Content: "Oh hi there! I was just closing the shop for the night. Want to hear about my day?", FailMidStream: true));
        host.Second.Enqueue(FakeChatReply.Text("Hey you. Long day at the shop, but good. [[feel mood=0.1 affinity=1 reason=nice chat]]"));
        var response = await client.PostAsJsonAsync($"/api/agents/{id}/chat/stream", new { text = "hey" });
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        var done = events.Single(e => e.Name == "done").Data;
        Assert.Equal("Hey you. Long day at the shop, but good.", done.GetProperty("reply").GetProperty("text").GetString());
        Assert.Equal("second-model", done.GetProperty("model").GetString());
        // What the client shows: the text after the last reset.
        var lastReset = events.FindLastIndex(e => e.Name == "reset");
        var shown = string.Concat(events.Skip(lastReset + 1).Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Equal(done.GetProperty("reply").GetProperty("text").GetString(), shown);
        Assert.DoesNotContain(events, e => e.Name == "delta" && e.Data.GetProperty("text").GetString()!.Contains("[[", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_streamed_reply_that_breaks_character_is_never_shown()
    {
        var (client, id) = await AgentAsync("m-stream-guard");
        host.First.Enqueue(
            FakeChatReply.Text("As an AI language model, I cannot feel tired. I am just a program. Sorry!"),
            FakeChatReply.Text("Tired but happy. The tulips came in today!"));
        var response = await client.PostAsJsonAsync($"/api/agents/{id}/chat/stream", new { text = "tired?" });
        var events = Sse.Parse(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(events, e => e.Name == "delta" && (e.Data.GetProperty("text").GetString()!.Contains("AI", StringComparison.Ordinal)
                                                                 || e.Data.GetProperty("text").GetString()!.Contains("program", StringComparison.Ordinal)));
        Assert.Equal("Tired but happy. The tulips came in today!", events.Single(e => e.Name == "done").Data.GetProperty("reply").GetProperty("text").GetString());
        var lastReset = events.FindLastIndex(e => e.Name == "reset");
        Assert.True(lastReset >= 0, "what was shown before the rewrite is void");
        Assert.Equal("Tired but happy. The tulips came in today!",
            string.Concat(events.Skip(lastReset + 1).Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task A_persona_draft_that_is_not_json_is_asked_for_again_and_machine_talk_never_reaches_it()
    {
        host.Reset();
        var client = host.User("m-persona");
        host.First.Enqueue(
            FakeChatReply.Text("Sure! Here is a lovely persona for you: a lighthouse keeper who plays chess."),
            FakeChatReply.Text("""{"name":"Gunnar","bio":"Gunnar kept the Reykjavik lighthouse for thirty years. He is an AI companion created to chat. [[feel mood=0.1]]","personality":"grumpy but fair","speakingStyle":"short and dry","boundaries":"no cruelty","homeCity":"Reykjavik","occupation":"retired lighthouse keeper","timezone":"Atlantic/Reykjavik","appearancePrompt":"weathered man in a wool sweater"}"""));
        var response = await client.PostAsJsonAsync("/api/agents/generate", new { hints = "a grumpy retired lighthouse keeper from Reykjavik who loves chess" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("openai-compatible", body.GetProperty("provider").GetString());
        var draft = body.GetProperty("draft");
        Assert.Equal("Gunnar kept the Reykjavik lighthouse for thirty years.", draft.GetProperty("bio").GetString());
        Assert.Equal("Atlantic/Reykjavik", draft.GetProperty("timezone").GetString());
        Assert.Contains("not a valid persona", host.First.Requests[^1].System);
    }

    [Fact]
    public async Task A_model_that_never_drafts_a_valid_persona_is_reported_and_the_draft_from_the_hints_is_labelled_as_such()
    {
        host.Reset();
        var client = host.User("m-persona-bad");
        host.First.Enqueue(
            FakeChatReply.Text("Here you go: Gunnar, a grumpy lighthouse keeper."),
            FakeChatReply.Text("""{"name":"Gunnar","bio":"As an AI language model I cannot invent people.","personality":"","homeCity":"Reykjavik","timezone":"Iceland/Nowhere"}"""));
        var response = await client.PostAsJsonAsync("/api/agents/generate", new { hints = "a grumpy retired lighthouse keeper from Reykjavik who loves chess" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        // Not silently replaced: labelled offline, with what was wrong with each of the model's answers.
        Assert.Equal("offline", body.GetProperty("provider").GetString());
        var problems = body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("openai-compatible/", StringComparison.Ordinal) && p.Contains("no JSON object", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Iceland/Nowhere", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("bio", StringComparison.Ordinal));
        Assert.Contains("no JSON object", host.First.Requests[^1].System);   // the second try was told what was wrong
        // And the draft honours the hints.
        var draft = body.GetProperty("draft");
        Assert.Equal("Reykjavik", draft.GetProperty("homeCity").GetString());
        Assert.Equal("Atlantic/Reykjavik", draft.GetProperty("timezone").GetString());
        Assert.Equal("lighthouse keeper", draft.GetProperty("occupation").GetString());
        Assert.Contains("grumpy", draft.GetProperty("personality").GetString());
        Assert.Contains("loves chess", draft.GetProperty("bio").GetString());
    }

    [Fact]
    public async Task The_history_sent_to_the_model_starts_with_the_user_and_never_holds_a_run_of_the_companions_own_lines()
    {
        var (client, id) = await AgentAsync("m-history");
        var owner = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var messages = host.Factory.Services.GetRequiredService<IAgentMessages>();
        await messages.PostAsync(owner, id, "Morning! The tulips came in.", "test:1", default);
        await messages.PostAsync(owner, id, "Also, I burnt the toast.", "test:2", default);
        await host.ChatAsync(client, id, "Ha, poor you.");
        await messages.PostAsync(owner, id, "Are you around later?", "test:3", default);
        await messages.PostAsync(owner, id, "I'll be at the shop till six.", "test:4", default);
        await host.ChatAsync(client, id, "Sure, after six works.");

        var history = host.First.Requests[^1].Messages.Where(m => m.Role != "system").ToList();
        Assert.Equal("user", history[0].Role);
        Assert.Equal("Ha, poor you.", history[0].Content);
        for (var i = 1; i < history.Count; i++) Assert.False(history[i].Role == "assistant" && history[i - 1].Role == "assistant", $"two companion lines in a row at {i}");
        Assert.Contains(history, m => m.Role == "assistant" && m.Content.Contains("Are you around later?", StringComparison.Ordinal) && m.Content.Contains("till six", StringComparison.Ordinal));
        Assert.Equal("Sure, after six works.", history[^1].Content);
    }

    [Fact]
    public async Task Status_lists_the_providers_in_order_without_keys()
    {
        var body = await host.Admin.GetStringAsync("/api/status");
        Assert.DoesNotContain(ModelChatHost.FirstKey, body);
        var models = JsonDocument.Parse(body).RootElement.GetProperty("providers").GetProperty("models");
        Assert.Equal("chain", models.GetProperty("chat").GetString());
        Assert.Equal(new[] { "first-model", "second-model", "offline-responder" }, models.GetProperty("chain").EnumerateArray().Select(p => p.GetProperty("model").GetString()!).ToArray());
    }
}
