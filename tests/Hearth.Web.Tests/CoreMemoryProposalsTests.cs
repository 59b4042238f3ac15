using Hearth.Testing.Fakes;

namespace Hearth.Web.Tests;

/// <summary>
/// The page for core memory proposals (issue 20): the model, reading what the user said, proposes edits of a companion's
/// core memory block; the user sees each against the block and accepts or rejects it, and only an accepted one changes
/// the block. The memory model is the fake server, so the proposals come from the product's own suggestion job.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class CoreMemoryProposalsTests(WebApp app)
{
    private const string Replace = "Replace “Lives in Leeds” with “Lives in Lisbon”";
    private const string Append = "Add “Sister Priya lives in Porto.”";

    [Fact]
    public async Task Proposed_core_memory_edits_are_accepted_or_rejected_on_the_page_and_only_accepted_ones_change_the_block()
    {
        var site = await app.MemoryModelSiteAsync();
        site.Model.Responder = request =>
            !request.System.Contains("durable facts", StringComparison.Ordinal) ? FakeChatReply.Text("Lisbon! That's a big move.\n[[feel mood=0.1 affinity=1 reason=news]]")
            : request.LastUser.Contains("Lisbon", StringComparison.Ordinal) ? FakeChatReply.Text("""
                {"memories":[],"core":[{"op":"replace","old":"Lives in Leeds","text":"Lives in Lisbon"},{"op":"append","text":"Sister Priya lives in Porto."}]}
                """)
            : FakeChatReply.Text("""{"memories":[]}""");
        var api = site.Api("core-page");
        var agent = await site.CreateAgentAsync("core-page", "Mia");
        using (var put = await api.PutAsJsonAsync($"/api/agents/{agent}/core-memory", new { text = "Name: Sam\nLives in Leeds" }))
            put.EnsureSuccessStatusCode();
        using (var turn = await api.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "We finally moved to Lisbon! My sister Priya lives in Porto." }))
            turn.EnsureSuccessStatusCode();

        var page = await app.NewPageAsync(site: site.BaseAddress);
        await PageSteps.SignInAsync(page, "/admin#memory", "core-page");
        var block = page.GetByLabel("Core memory block");
        await Expect(block).ToHaveValueAsync("Name: Sam\nLives in Leeds");
        var proposals = page.GetByRole(AriaRole.List, new() { Name = "Proposed core memory edits" });
        // The suggestion job runs after the turn: its proposals show up by themselves.
        await Expect(proposals.GetByRole(AriaRole.Button, new() { Name = $"Accept: {Replace}" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(proposals.GetByRole(AriaRole.Button, new() { Name = $"Accept: {Append}" })).ToBeVisibleAsync();

        // Rejected: gone, and the block is as it was.
        await proposals.GetByRole(AriaRole.Button, new() { Name = $"Reject: {Append}" }).ClickAsync();
        await Expect(proposals).Not.ToContainTextAsync("Priya");
        await Expect(block).ToHaveValueAsync("Name: Sam\nLives in Leeds");

        // Accepted: the block on the page and on the server holds the edit.
        await proposals.GetByRole(AriaRole.Button, new() { Name = $"Accept: {Replace}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Core memory updated." })).ToBeVisibleAsync();
        await Expect(block).ToHaveValueAsync("Name: Sam\nLives in Lisbon");
        await Expect(proposals).ToContainTextAsync("No proposed edits.");
        var stored = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/core-memory");
        Assert.Equal("Name: Sam\nLives in Lisbon", stored.GetProperty("text").GetString());
        var rejected = await api.GetFromJsonAsync<JsonElement>("/api/memory?kind=core&status=rejected");
        Assert.Contains(rejected.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString() == "Sister Priya lives in Porto.");

        // The user writes the block too, from the same card.
        await block.FillAsync("Name: Sam\nLives in Lisbon\nPlays padel on Sundays");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save core memory" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Core memory saved." })).ToBeVisibleAsync();
        stored = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/core-memory");
        Assert.Equal("Name: Sam\nLives in Lisbon\nPlays padel on Sundays", stored.GetProperty("text").GetString());
        await Screenshots.SaveAsync(page, "core-memory-proposals");
    }
}
