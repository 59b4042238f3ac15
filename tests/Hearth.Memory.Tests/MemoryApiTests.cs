using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Memory.Tests.Support;

namespace Hearth.Memory.Tests;

/// <summary>/api/memory: create, list with filters and paging, accept, reject, correct, delete; another user's memory is 404.</summary>
public sealed class MemoryApiTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    private static async Task<JsonElement> CreateAsync(HttpClient user, object body)
    {
        var response = await user.PostAsJsonAsync("/api/memory", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Another_users_memory_is_not_found_for_every_operation()
    {
        var alice = host.User("api-alice");
        var bob = host.User("api-bob");
        var id = (await CreateAsync(alice, new { kind = "fact", text = "Allergic to cats" })).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/memory/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/memory/{id}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/memory/{id}/reject", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PatchAsJsonAsync($"/api/memory/{id}", new { text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/memory/{id}")).StatusCode);
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("items").EnumerateArray());
        Assert.Equal("Allergic to cats", (await alice.GetFromJsonAsync<JsonElement>($"/api/memory/{id}")).GetProperty("text").GetString());
        // The admin sees only their own memory here too.
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/memory/{id}")).StatusCode);
    }

    [Fact]
    public async Task Corrections_keep_history_and_deletes_remove()
    {
        var user = host.User("api-edit");
        var created = await CreateAsync(user, new { kind = "preference", text = "Likes tea", subject = "drink" });
        Assert.Equal("accepted", created.GetProperty("status").GetString());
        Assert.Equal("user", created.GetProperty("origin").GetString());
        var id = created.GetProperty("id").GetString();

        var edited = await (await user.PatchAsJsonAsync($"/api/memory/{id}", new { text = "Likes green tea" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Likes green tea", edited.GetProperty("text").GetString());
        Assert.Equal("Likes tea", edited.GetProperty("history")[0].GetProperty("text").GetString());

        // Adding the same subject again replaces it rather than adding a second memory.
        var replaced = await CreateAsync(user, new { kind = "preference", text = "Likes coffee", subject = "drink" });
        Assert.Equal(id, replaced.GetProperty("id").GetString());
        Assert.Single((await user.GetFromJsonAsync<JsonElement>("/api/memory")).GetProperty("items").EnumerateArray());

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/memory/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/memory/{id}")).StatusCode);
    }

    [Fact]
    public async Task Listing_filters_and_pages()
    {
        var user = host.User("api-list");
        for (var i = 0; i < 5; i++) await CreateAsync(user, new { kind = i % 2 == 0 ? "fact" : "tool", text = $"Item {i}" });
        var first = await user.GetFromJsonAsync<JsonElement>("/api/memory?limit=2");
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal("Item 4", first.GetProperty("items")[0].GetProperty("text").GetString());
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await user.GetFromJsonAsync<JsonElement>($"/api/memory?limit=2&cursor={cursor}");
        Assert.Equal("Item 2", second.GetProperty("items")[0].GetProperty("text").GetString());
        Assert.Equal(2, (await user.GetFromJsonAsync<JsonElement>("/api/memory?kind=tool")).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/memory?status=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/memory?cursor=not-ours")).StatusCode);
    }

    [Fact]
    public async Task Bad_input_gets_field_errors()
    {
        var user = host.User("api-bad");
        var problem = await (await user.PostAsJsonAsync("/api/memory", new { kind = "gossip", text = "" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("kind", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("text", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await user.PostAsJsonAsync("/api/memory", new { kind = "self", text = "I am Ada" })).StatusCode);
        var id = (await CreateAsync(user, new { kind = "fact", text = "x" })).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.BadRequest, (await user.PatchAsJsonAsync($"/api/memory/{id}", new { })).StatusCode);
    }

    [Fact]
    public async Task Accepting_a_rejected_memory_whose_subject_is_taken_again_is_a_conflict()
    {
        var user = host.User("api-conflict");
        var first = (await CreateAsync(user, new { kind = "fact", text = "Lives in Oslo", subject = "home" })).GetProperty("id").GetString();
        await user.PostAsync($"/api/memory/{first}/reject", null);
        await CreateAsync(user, new { kind = "fact", text = "Lives in Bergen", subject = "home" });
        Assert.Equal(HttpStatusCode.Conflict, (await user.PostAsync($"/api/memory/{first}/accept", null)).StatusCode);
    }
}
