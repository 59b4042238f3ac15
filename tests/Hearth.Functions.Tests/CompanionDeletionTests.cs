using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Host;

namespace Hearth.Functions.Tests;

/// <summary>
/// Deleting a companion (issue 15, finding 7) on the whole product (Development host: offline chat, real memory and
/// index, the placeholder painter): 202 with a status URL, and afterwards no list, search or media route finds anything of it.
/// </summary>
public sealed class CompanionDeletionTests
{
    private const string Token = DevelopmentHost.DevTokenValue;

    [Fact]
    public async Task Deleting_a_companion_erases_everything_it_owns_and_a_sweep_of_every_route_finds_nothing()
    {
        await using var host = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = Token,
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["RateLimits:Pictures:PermitLimit"] = "0",
            ["Chat:SummaryEveryTurns"] = "2",
            ["Life:Enabled"] = "false",
        });
        var user = host.ClientWith($"{Token}:erin");
        var keep = await CreateAsync(user, "Kept");
        var gone = await CreateAsync(user, "Gone");

        string? session = null;
        foreach (var text in new[] { "My sister Priya lives in Lisbon and loves zanzibarfish.", "I work as a carpenter.", "Zanzibarfish tacos tonight!", "Goodnight." })
        {
            var turn = await PostAsync(user, $"/api/agents/{gone}/chat", new { text });
            session = turn.GetProperty("sessionId").GetString();
        }
        await PostAsync(user, $"/api/agents/{keep}/chat", new { text = "Zanzibarfish for me too." });
        var picture = (await PostAsync(user, $"/api/agents/{gone}/images", new { prompt = "at the beach" })).GetProperty("id").GetString()!;
        var job = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>($"/api/images/{picture}"),
            j => j.GetProperty("status").GetString() is "succeeded" or "failed", TimeSpan.FromSeconds(60), "the picture is painted");
        var mediaUrl = job.GetProperty("images")[0].GetProperty("url").GetString()!;
        await Eventually.TrueAsync(async () => (await SearchAsync(user, gone)).Count > 0, TimeSpan.FromSeconds(30), "the turns are indexed");
        await Eventually.TrueAsync(async () => (await MemoriesAsync(user)).Any(m => m.GetProperty("agentId").GetString() == gone), TimeSpan.FromSeconds(30), "a suggestion is drawn");
        await Eventually.TrueAsync(async () => (await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{session}/summaries")).GetProperty("items").GetArrayLength() > 0,
            TimeSpan.FromSeconds(30), "a summary is written");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(mediaUrl)).StatusCode);

        var delete = await user.DeleteAsync($"/api/agents/{gone}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var statusUrl = (await delete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        Assert.Equal(statusUrl, delete.Headers.Location?.ToString());
        var done = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl), s => s.GetProperty("status").GetString() == "done",
            TimeSpan.FromSeconds(60), "the erasure finishes");
        Assert.Equal(gone, done.GetProperty("agentId").GetString());

        // The sweep: every list, search and media route of the user.
        var agents = await user.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Equal([keep], agents.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        foreach (var path in new[] { "", "/messages", "/events", "/scenarios", "/state", "/initiations" })
            Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/agents/{gone}{path}")).StatusCode);
        Assert.Empty(await SearchAsync(user, gone));
        var everything = await user.GetFromJsonAsync<JsonElement>("/api/search?q=zanzibarfish&k=50");
        Assert.DoesNotContain(everything.GetProperty("items").EnumerateArray(), i => i.GetProperty("agentId").GetString() == gone);
        Assert.Contains(everything.GetProperty("items").EnumerateArray(), i => i.GetProperty("agentId").GetString() == keep);   // the other companion's turns stay
        Assert.DoesNotContain(await MemoriesAsync(user), m => m.GetProperty("agentId").GetString() == gone);
        var summaries = await user.GetAsync($"/api/sessions/{session}/summaries");   // the session is gone with its summaries
        Assert.True(summaries.StatusCode == HttpStatusCode.NotFound
            || (await summaries.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength() == 0, await summaries.Content.ReadAsStringAsync());
        var jobs = await user.GetFromJsonAsync<JsonElement>("/api/images");
        Assert.DoesNotContain(jobs.GetProperty("items").EnumerateArray(), j => j.GetProperty("agentId").GetString() == gone);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/images/{picture}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await user.GetAsync(mediaUrl)).StatusCode);
        var notifications = await user.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.DoesNotContain(notifications.GetProperty("items").EnumerateArray(), n => n.GetProperty("agentId").GetString() == gone);

        // Someone else's deletion is not found; deleting again is 404.
        Assert.Equal(HttpStatusCode.NotFound, (await host.ClientWith($"{Token}:mallory").GetAsync(statusUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.DeleteAsync($"/api/agents/{gone}")).StatusCode);
    }

    private static async Task<string> CreateAsync(HttpClient user, string name) =>
        (await PostAsync(user, "/api/agents", new { name, timezone = "UTC", occupation = "florist", homeCity = "Lisbon" })).GetProperty("id").GetString()!;

    private static async Task<JsonElement> PostAsync(HttpClient user, string path, object body)
    {
        var response = await user.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<List<JsonElement>> SearchAsync(HttpClient user, string agentId) =>
        (await user.GetFromJsonAsync<JsonElement>($"/api/search?q=zanzibarfish&agentId={agentId}&k=50")).GetProperty("items").EnumerateArray().ToList();

    private static async Task<List<JsonElement>> MemoriesAsync(HttpClient user) =>
        (await user.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("items").EnumerateArray().ToList();
}
