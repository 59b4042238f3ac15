using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;

namespace Hearth.Memory.Tests;

/// <summary>Session summaries: on demand (POST /api/sessions/{id}/summary) and every N turns (the chat enqueues the job).</summary>
public sealed class SummaryTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    private string Session(string owner)
    {
        var session = Guid.NewGuid().ToString();
        host.Conversations.AddTurn(owner, "agent-1", session, "I'm planning the garden shed project this spring.", "A shed needs a level base first.");
        host.Conversations.AddTurn(owner, "agent-1", session, "We decided to use a concrete base for the shed.", "Concrete is durable and level.");
        host.Conversations.AddTurn(owner, "agent-1", session, "I need to order the timber for the shed by Friday.", "Ask the yard about delivery.");
        return session;
    }

    [Fact]
    public async Task On_demand_a_summary_is_accepted_then_written_with_topics_decisions_and_action_items()
    {
        var owner = await host.UserIdAsync("sum-demand");
        var user = host.User("sum-demand");
        var session = Session(owner);

        var response = await user.PostAsync($"/api/sessions/{session}/summary", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var statusUrl = accepted.GetProperty("statusUrl").GetString()!;
        Assert.Equal(response.Headers.Location!.ToString(), statusUrl);

        var summary = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl), s => s.GetProperty("status").GetString() == "done",
            TimeSpan.FromSeconds(20), "the summary is written");
        Assert.Equal("rules", summary.GetProperty("origin").GetString());
        Assert.Equal(6, summary.GetProperty("messageCount").GetInt32());
        Assert.Contains("shed", summary.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("We decided to use a concrete base for the shed", summary.GetProperty("decisions").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("I need to order the timber for the shed by Friday", summary.GetProperty("actionItems").EnumerateArray().Select(t => t.GetString()));

        var latest = await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{session}/summary");
        Assert.Equal(accepted.GetProperty("id").GetString(), latest.GetProperty("id").GetString());
        // Summaries are searchable too.
        var hits = await host.SearchAsync(user, "concrete base shed", "&mode=bm25");
        Assert.Contains(hits, h => h.GetProperty("kind").GetString() == "summary");
    }

    [Fact]
    public async Task Another_users_or_an_unknown_session_is_not_found()
    {
        var owner = await host.UserIdAsync("sum-owner");
        var session = Session(owner);
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("sum-stranger").PostAsync($"/api/sessions/{session}/summary", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("sum-owner").PostAsync($"/api/sessions/{Guid.NewGuid()}/summary", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("sum-stranger").GetAsync($"/api/sessions/{session}/summary")).StatusCode);
    }

    [Fact]
    public async Task Every_n_turns_the_chat_requests_a_summary_and_it_is_stored_once()
    {
        var owner = await host.UserIdAsync("sum-every");
        var session = Session(owner);
        var last = host.Conversations.AddTurn(owner, "agent-1", session, "Let's go with a green roof.", "Sedum mats are light.");
        var request = new SessionSummaryRequested(owner, "agent-1", session, last.ReplyMessageId, last.At);
        await host.EnqueueAsync(ChatQueues.SummariseSession, request, $"{session}:4");
        await host.EnqueueAsync(ChatQueues.SummariseSession, request); // at least once: a second run changes nothing

        var summary = await Eventually.ValueAsync(() => host.User("sum-every").GetFromJsonAsync<JsonElement>($"/api/sessions/{session}/summaries"),
            s => s.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("status").GetString() == "done"), TimeSpan.FromSeconds(20), "the summary is written");
        var item = Assert.Single(summary.GetProperty("items").EnumerateArray());
        Assert.Equal(last.ReplyMessageId, item.GetProperty("upToMessageId").GetString());
        Assert.Equal(8, item.GetProperty("messageCount").GetInt32());
        Assert.Contains("Let's go with a green roof", item.GetProperty("decisions").EnumerateArray().Select(d => d.GetString()));
    }
}
