using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;

namespace Hearth.Memory.Tests;

/// <summary>Memory suggestions from conversations, through the extract-suggestions function and /api/memory.</summary>
public sealed class SuggestionTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    private async Task<TurnCommitted> SayAsync(string owner, string session, string text)
    {
        var turn = host.Conversations.AddTurn(owner, "agent-1", session, text, "Noted.");
        await host.EnqueueAsync(ChatQueues.ExtractSuggestions, turn);
        await Eventually.TrueAsync(async () => await host.ScalarAsync<long>(
            "select count(*) from durable.jobs where queue = 'memory.extract-suggestions' and state = 'succeeded' and payload->>'replyMessageId' = @p", turn.ReplyMessageId) == 1,
            TimeSpan.FromSeconds(20), "suggestions extracted");
        return turn;
    }

    private static async Task<List<JsonElement>> MemoriesAsync(HttpClient user, string query = "") =>
        (await user.GetFromJsonAsync<JsonElement>("/api/memory" + query)).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task The_same_fact_twice_is_one_memory_with_provenance()
    {
        var owner = await host.UserIdAsync("sugg-same");
        var session = Guid.NewGuid().ToString();
        var first = await SayAsync(owner, session, "I live in Lisbon, near the river.");
        await SayAsync(owner, session, "As I said, I live in Lisbon.");

        var items = await MemoriesAsync(host.User("sugg-same"));
        var home = Assert.Single(items, i => i.GetProperty("subject").GetString() == "home");
        Assert.Equal("Lives in Lisbon", home.GetProperty("text").GetString());
        Assert.Equal("suggested", home.GetProperty("status").GetString());
        Assert.Equal("rules", home.GetProperty("origin").GetString());
        Assert.Equal(first.UserMessageId, home.GetProperty("source").GetProperty("messageId").GetString());
        Assert.Equal(session, home.GetProperty("source").GetProperty("sessionId").GetString());
        Assert.Equal(0, home.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task A_changed_fact_updates_the_memory_and_keeps_the_old_value_in_its_history()
    {
        var owner = await host.UserIdAsync("sugg-change");
        var session = Guid.NewGuid().ToString();
        await SayAsync(owner, session, "I work at Northwind Bank.");
        var id = (await MemoriesAsync(host.User("sugg-change"))).Single().GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await host.User("sugg-change").PostAsync($"/api/memory/{id}/accept", null)).StatusCode);

        var change = await SayAsync(owner, session, "Big news: I work at Lumen Analytics now.");
        var work = Assert.Single(await MemoriesAsync(host.User("sugg-change")));
        Assert.Equal(id, work.GetProperty("id").GetString());
        Assert.Equal("Works at Lumen Analytics", work.GetProperty("text").GetString());
        Assert.Equal("accepted", work.GetProperty("status").GetString());
        Assert.Equal(change.UserMessageId, work.GetProperty("source").GetProperty("messageId").GetString());
        Assert.Equal("Works at Northwind Bank", work.GetProperty("history")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_rejected_suggestion_does_not_come_back_but_a_new_value_is_suggested()
    {
        var owner = await host.UserIdAsync("sugg-reject");
        var user = host.User("sugg-reject");
        var session = Guid.NewGuid().ToString();
        await SayAsync(owner, session, "I really like pineapple on pizza.");
        var liked = Assert.Single(await MemoriesAsync(user));
        Assert.Equal(HttpStatusCode.OK, (await user.PostAsync($"/api/memory/{liked.GetProperty("id").GetString()}/reject", null)).StatusCode);

        await SayAsync(owner, session, "Honestly, I like pineapple on pizza.");
        Assert.Empty(await MemoriesAsync(user, "?status=suggested"));
        Assert.Single(await MemoriesAsync(user, "?status=rejected"));

        await SayAsync(owner, session, "I don't like pineapple on pizza anymore.");
        var dislike = Assert.Single(await MemoriesAsync(user, "?status=suggested"));
        Assert.Equal("Dislikes pineapple on pizza", dislike.GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_older_message_never_overwrites_a_newer_value()
    {
        var owner = await host.UserIdAsync("sugg-order");
        var session = Guid.NewGuid().ToString();
        var old = host.Conversations.AddTurn(owner, "agent-1", session, "I live in Berlin.", "Nice.");
        await SayAsync(owner, session, "I live in Munich.");
        await host.EnqueueAsync(ChatQueues.ExtractSuggestions, old); // a late re-run of an older turn
        await Eventually.TrueAsync(async () => await host.ScalarAsync<long>(
            "select count(*) from durable.jobs where queue = 'memory.extract-suggestions' and state = 'succeeded' and payload->>'replyMessageId' = @p", old.ReplyMessageId) == 1,
            TimeSpan.FromSeconds(20), "the late extraction ran");
        Assert.Equal("Lives in Munich", Assert.Single(await MemoriesAsync(host.User("sugg-order"))).GetProperty("text").GetString());
    }
}
