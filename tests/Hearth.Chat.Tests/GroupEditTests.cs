using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>Group lines get what 1:1 messages have (issue 20): swipes of a companion's line, edits and deletions, feelings kept consistent.</summary>
[Collection("model-host")]
public sealed class GroupEditTests(ModelChatHost host) : IClassFixture<ModelChatHost>
{
    /// <summary>What each companion says next; a test changes it between turns.</summary>
    private readonly Dictionary<string, string> _next = new()
    {
        ["Ada"] = "Tea first, then a proof or two.\n[[feel mood=0.2 affinity=2 reason=a kind hello]]",
        ["Ben"] = "Ahoy! The wind is up today.\n[[feel mood=-0.2 affinity=-1 reason=woken too early]]",
    };

    private async Task<(HttpClient Client, Dictionary<string, string> Ids, string Group)> GroupAsync(string user)
    {
        host.Reset(request => FakeChatReply.Text(_next.LineFor(request)!));
        var client = host.User(user);
        var ids = new Dictionary<string, string>();
        foreach (var name in _next.Keys)
            ids[name] = (await host.CreateAgentAsync(client, new { name, timezone = "UTC", moodBaseline = 0.0 })).GetProperty("id").GetString()!;
        return (client, ids, await client.CreateGroupAsync(ids["Ada"], ids["Ben"]));
    }


    private static async Task<List<JsonElement>> LinesAsync(HttpClient client, string group) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/messages")).GetProperty("items").EnumerateArray().Reverse()];

    private static async Task<JsonElement> OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task ProblemAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string type)
    {
        using var response = await call;
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"urn:hearth:problem:{type}", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_companions_last_line_is_written_again_and_the_chosen_alternative_is_the_line_for_mood_and_later_prompts()
    {
        var (client, ids, group) = await GroupAsync("group-swipes");
        var turn = await client.SayInGroupAsync(group, "Hi everyone!");
        var ada = turn.GetProperty("replies")[0];
        Assert.Equal("Ada", ada.GetProperty("agentName").GetString());
        var line = ada.GetProperty("id").GetString()!;
        var afterTurn = await client.FeelingsAsync(ids["Ada"]);
        Assert.True(afterTurn.Mood > 0);

        // Written again: the same context (the user's line last), a new alternative chosen, its judgement in place of the first's.
        _next["Ada"] = "Coffee, actually. Proofs can wait.\n[[feel mood=-0.1 affinity=0 reason=grumpy]]";
        var regenerated = await OkAsync(client.PostAsync($"/api/groups/{group}/messages/{line}/regenerate", null));
        Assert.Equal("Coffee, actually. Proofs can wait.", regenerated.GetProperty("text").GetString());
        Assert.Equal(1, regenerated.GetProperty("selected").GetInt32());
        Assert.Equal(["Tea first, then a proof or two.", "Coffee, actually. Proofs can wait."],
            regenerated.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()).ToList());
        Assert.EndsWith(": Hi everyone!", host.First.Requests[^1].LastUser, StringComparison.Ordinal);
        var swapped = await client.FeelingsAsync(ids["Ada"]);
        Assert.True(swapped.Mood < 0, $"mood {swapped.Mood}");
        Assert.Equal(swapped.Mood, regenerated.GetProperty("mood").GetProperty("value").GetDouble());
        Assert.Equal(afterTurn.Affinity - 2, swapped.Affinity, 2);
        var shown = (await LinesAsync(client, group))[^1];
        Assert.Equal("Coffee, actually. Proofs can wait.", shown.GetProperty("text").GetString());
        Assert.Equal(2, shown.GetProperty("alternatives").GetInt32());

        // Choosing the first again restores its text and exactly the feelings it had left.
        var back = await OkAsync(client.PutAsJsonAsync($"/api/groups/{group}/messages/{line}/selected", new { index = 0 }));
        Assert.Equal("Tea first, then a proof or two.", back.GetProperty("text").GetString());
        Assert.Equal(afterTurn, await client.FeelingsAsync(ids["Ada"]));
        var listed = await client.GetFromJsonAsync<JsonElement>($"/api/groups/{group}/messages/{line}/alternatives");
        Assert.Equal(0, listed.GetProperty("selected").GetInt32());
        Assert.Equal(2, listed.GetProperty("items").GetArrayLength());

        // Bad choices are problems; once the conversation moved on, the line stays as chosen.
        await ProblemAsync(client.PutAsJsonAsync($"/api/groups/{group}/messages/{line}/selected", new { index = 5 }), HttpStatusCode.BadRequest, "validation");
        await ProblemAsync(client.PutAsJsonAsync($"/api/groups/{group}/messages/{line}/selected", new { }), HttpStatusCode.BadRequest, "validation");
        await client.SayInGroupAsync(group, "Ben, what about you?");
        await ProblemAsync(client.PostAsync($"/api/groups/{group}/messages/{line}/regenerate", null), HttpStatusCode.Conflict, "conflict");
        await ProblemAsync(client.PutAsJsonAsync($"/api/groups/{group}/messages/{line}/selected", new { index = 1 }), HttpStatusCode.Conflict, "conflict");
        // Ben read the chosen alternative, not the discarded one.
        Assert.Contains("Ada: Tea first", host.First.Requests[^1].AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("Coffee, actually", host.First.Requests[^1].AllText, StringComparison.Ordinal);
        // The user's line is not a companion's reply.
        var userLine = turn.GetProperty("userMessage").GetProperty("id").GetString()!;
        await ProblemAsync(client.PostAsync($"/api/groups/{group}/messages/{userLine}/regenerate", null), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Edits_and_deletions_of_group_lines_change_what_later_prompts_read_and_take_back_the_reactions()
    {
        var (client, ids, group) = await GroupAsync("group-edits");
        var first = await client.SayInGroupAsync(group, "Good morning, crew!");
        var second = await client.SayInGroupAsync(group, "Ben, how is the sea?");
        var benLine = second.GetProperty("replies")[0];
        Assert.Equal("Ben", benLine.GetProperty("agentName").GetString());
        Assert.True((await client.FeelingsAsync(ids["Ben"])).Mood < 0);

        // Edits: a companion's line and the user's own; the lines say so, and the next prompt reads the new texts.
        var edited = await OkAsync(client.PatchAsJsonAsync($"/api/groups/{group}/messages/{benLine.GetProperty("id").GetString()}",
            new { text = "Calm as a millpond this morning." }));
        Assert.True(edited.GetProperty("edited").GetBoolean());
        Assert.Equal("Calm as a millpond this morning.", edited.GetProperty("text").GetString());
        var userLine = first.GetProperty("userMessage").GetProperty("id").GetString()!;
        var editedUser = await OkAsync(client.PatchAsJsonAsync($"/api/groups/{group}/messages/{userLine}", new { text = "Good evening, crew!" }));
        Assert.True(editedUser.GetProperty("edited").GetBoolean());
        Assert.False((await LinesAsync(client, group))[1].GetProperty("edited").GetBoolean());
        await client.SayInGroupAsync(group, "Ada, what do you make of that?");
        var asked = host.First.Requests[^1].AllText;
        Assert.Contains("Ben: Calm as a millpond this morning.", asked, StringComparison.Ordinal);
        Assert.Contains("Good evening, crew!", asked, StringComparison.Ordinal);
        Assert.DoesNotContain("The wind is up", asked, StringComparison.Ordinal);
        Assert.DoesNotContain("Good morning, crew", asked, StringComparison.Ordinal);
        await ProblemAsync(client.PatchAsJsonAsync($"/api/groups/{group}/messages/{userLine}", new { text = "  " }), HttpStatusCode.BadRequest, "validation");

        // Deleting Ben's line takes his reaction back; the user's line it answered stays.
        var deleted = await OkAsync(client.DeleteAsync($"/api/groups/{group}/messages/{benLine.GetProperty("id").GetString()}"));
        Assert.Equal([benLine.GetProperty("id").GetString()], deleted.GetProperty("deleted").EnumerateArray().Select(d => d.GetString()).ToList());
        var benNow = Assert.Single(deleted.GetProperty("feelings").EnumerateArray());
        Assert.Equal(ids["Ben"], benNow.GetProperty("agentId").GetString());
        Assert.Equal(0.0, (await client.FeelingsAsync(ids["Ben"])).Mood);
        Assert.Equal(0.0, benNow.GetProperty("mood").GetProperty("value").GetDouble());
        Assert.Contains(await LinesAsync(client, group), l => l.GetProperty("text").GetString() == "Ben, how is the sea?");

        // Deleting the user's first line takes Ada's reply to it along, and her reaction.
        var adaBefore = await client.FeelingsAsync(ids["Ada"]);
        var round = await OkAsync(client.DeleteAsync($"/api/groups/{group}/messages/{userLine}"));
        Assert.Equal([userLine, first.GetProperty("replies")[0].GetProperty("id").GetString()],
            round.GetProperty("deleted").EnumerateArray().Select(d => d.GetString()).ToList());
        Assert.True((await client.FeelingsAsync(ids["Ada"])).Mood < adaBefore.Mood);
        var left = await LinesAsync(client, group);
        Assert.DoesNotContain(left, l => l.GetProperty("text").GetString() == "Good evening, crew!");
        Assert.Equal(3, left.Count);
        await ProblemAsync(client.DeleteAsync($"/api/groups/{group}/messages/{userLine}"), HttpStatusCode.NotFound, "not-found");

        // Someone else's group lines: 404 for every action, and nothing changed.
        var stranger = host.User("group-edits-stranger");
        var some = left[^1].GetProperty("id").GetString()!;
        await ProblemAsync(stranger.PatchAsJsonAsync($"/api/groups/{group}/messages/{some}", new { text = "mine now" }), HttpStatusCode.NotFound, "not-found");
        await ProblemAsync(stranger.DeleteAsync($"/api/groups/{group}/messages/{some}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAsync(stranger.PostAsync($"/api/groups/{group}/messages/{some}/regenerate", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAsync(stranger.PutAsJsonAsync($"/api/groups/{group}/messages/{some}/selected", new { index = 0 }), HttpStatusCode.NotFound, "not-found");
        await ProblemAsync(stranger.GetAsync($"/api/groups/{group}/messages/{some}/alternatives"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(3, (await LinesAsync(client, group)).Count);
    }
    [Fact]
    public async Task A_group_regeneration_streams_as_a_1to1_regeneration_does()
    {
        var (client, _, group) = await GroupAsync("group-swipe-stream");
        var first = await client.SayInGroupAsync(group, "Ada, any plans tonight?");
        var line = first.GetProperty("replies")[0].GetProperty("id").GetString()!;
        _next["Ada"] = "Movie night. Popcorn is already out.\n[[feel mood=0 affinity=0 reason=cosy]]";

        using var response = await client.PostAsync($"/api/groups/{group}/messages/{line}/regenerate/stream", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('\n')).Select(e => (Name: e[0]["event: ".Length..], Data: JsonDocument.Parse(e[1]["data: ".Length..]).RootElement)).ToList();
        // The text arrives in deltas, then 'done' carries the alternatives with the new one chosen — what the non-streamed call answers.
        Assert.Equal("Movie night. Popcorn is already out.", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString())));
        var done = Assert.Single(events, e => e.Name == "done").Data;
        Assert.Equal("done", events[^1].Name);
        Assert.Equal(1, done.GetProperty("selected").GetInt32());
        Assert.Equal("Movie night. Popcorn is already out.", done.GetProperty("text").GetString());
        Assert.Equal("Movie night. Popcorn is already out.", (await LinesAsync(client, group))[^1].GetProperty("text").GetString());

        // Once a line follows, it is a problem document before any event, as the 1:1 stream answers.
        await client.SayInGroupAsync(group, "Ben, and you?");
        await ProblemAsync(client.PostAsync($"/api/groups/{group}/messages/{line}/regenerate/stream", null), HttpStatusCode.Conflict, "conflict");
        await ProblemAsync(host.User("group-stream-intruder").PostAsync($"/api/groups/{group}/messages/{line}/regenerate/stream", null), HttpStatusCode.NotFound, "not-found");
    }
}
