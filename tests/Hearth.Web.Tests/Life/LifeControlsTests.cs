using Hearth.Life;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class LifeControlsTests(WebApp app)
{
    [Fact]
    public async Task Mute_is_per_companion_and_survives_a_reload()
    {
        var muted = await app.CreateAgentAsync("mu", "Rafa");
        var other = await app.CreateAgentAsync("mu", "Bea");
        var page = await app.NewPageAsync();
        await page.GotoAsync($"/?agent={muted}");
        await page.GetByLabel("Access token").FillAsync(WebApp.TokenOf("mu"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Rafa" })).ToBeVisibleAsync();

        var mute = page.GetByRole(AriaRole.Button, new() { Name = "Mute" });
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "false");
        await mute.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Muted" })).ToHaveAttributeAsync("aria-pressed", "true");

        Assert.True(await MutedAsync(muted));
        Assert.False(await MutedAsync(other));

        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Muted" })).ToHaveAttributeAsync("aria-pressed", "true");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Bea") }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bea" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mute" })).ToHaveAttributeAsync("aria-pressed", "false");
        await Screenshots.SaveAsync(page, "chat-mute");
    }

    [Fact]
    public async Task Writing_first_is_switched_on_in_admin_and_a_scenario_ended_there()
    {
        var agentId = await app.CreateAgentAsync("wf", "Caro");
        (await app.Api("wf").PostAsJsonAsync($"/api/agents/{agentId}/scenarios", new { title = "Painting the kitchen" })).EnsureSuccessStatusCode();
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/admin", "wf");
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Caro") }).ClickAsync();

        var form = page.GetByRole(AriaRole.Form, new() { Name = "Writing first" });
        await Expect(form).ToBeVisibleAsync();
        await form.GetByLabel("May write first").CheckAsync();
        await form.GetByLabel("At most per day", new() { Exact = true }).FillAsync("1");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save writing-first settings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Writing-first settings saved." })).ToBeVisibleAsync();
        var settings = await app.Api("wf").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/initiations/settings");
        Assert.True(settings.GetProperty("enabled").GetBoolean());
        Assert.Equal(1, settings.GetProperty("dailyCap").GetInt32());

        await page.GetByRole(AriaRole.Button, new() { Name = "End scenario Painting the kitchen now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "End scenario Painting the kitchen now" })).ToBeHiddenAsync();
        var scenarios = await app.Api("wf").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/scenarios");
        Assert.False(scenarios.GetProperty("items").EnumerateArray().Single().GetProperty("active").GetBoolean());
        await Screenshots.SaveAsync(page, "admin-writing-first");
    }

    [Fact]
    public async Task A_message_the_companion_wrote_first_is_counted_unread_until_opened()
    {
        var api = app.Api("un");
        var quiet = await app.CreateAgentAsync("un", "Ines");
        var writer = await app.CreateAgentAsync("un", "Lupe");
        // Always free, no quiet hours, no gap: the rules let this message through at any hour the test runs.
        (await api.PatchAsJsonAsync($"/api/agents/{writer}", new { availability = Array.Empty<object>() })).EnsureSuccessStatusCode();
        (await api.PatchAsJsonAsync($"/api/agents/{writer}/initiations/settings", new { enabled = true, quietFrom = "00:00", quietTo = "00:00", minGapMinutes = 0 })).EnsureSuccessStatusCode();

        var page = await app.NewPageAsync();
        await page.GotoAsync($"/?agent={quiet}");
        await page.GetByLabel("Access token").FillAsync(WebApp.TokenOf("un"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ines" })).ToBeVisibleAsync();

        // The life engine delivers a planned initiation (what a life slot plans, minus the wait before sending).
        const string text = "I saw a heron on the river and thought of you.";
        var owner = (await api.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var initiation = Guid.CreateVersion7();
        await using (var db = NpgsqlDataSource.Create(app.Factory.ConnectionString))
        await using (var insert = db.CreateCommand("""
            insert into life.initiations (id, owner_id, agent_id, slot, topic, text, planned_at, send_at, status)
            values (@id, @owner, @agent, 'web-test', 'heron', @text, now(), now(), 'planned')
            """))
        {
            insert.Parameters.AddWithValue("id", initiation);
            insert.Parameters.AddWithValue("owner", Guid.Parse(owner));
            insert.Parameters.AddWithValue("agent", Guid.Parse(writer));
            insert.Parameters.AddWithValue("text", text);
            await insert.ExecuteNonQueryAsync();
        }
        var delivered = await app.Factory.Services.GetRequiredService<LifeEngine>().DeliverAsync(owner, initiation.ToString(), CancellationToken.None);
        Assert.True(delivered.Sent, delivered.ToString());

        var lupe = page.GetByRole(AriaRole.Navigation, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Lupe") });
        await page.EvaluateAsync("() => document.dispatchEvent(new Event('visibilitychange'))"); // what a returning tab does
        await Expect(lupe.GetByLabel("1 unread")).ToBeVisibleAsync();
        await Expect(page).ToHaveTitleAsync("(1) Hearth");

        await lupe.ClickAsync();
        var message = PageSteps.Messages(page).Locator("li.theirs").Filter(new() { HasText = text });
        await Expect(message).ToContainTextAsync("Lupe wrote first");
        await Expect(lupe.GetByLabel("1 unread")).ToBeHiddenAsync();
        await Expect(page).ToHaveTitleAsync("Hearth");
        await Screenshots.SaveAsync(page, "chat-wrote-first");
        var unread = await Eventually.ValueAsync(async () => (await api.GetFromJsonAsync<JsonElement>("/api/notifications/unread")).GetProperty("unreadCount").GetInt32(),
            count => count == 0, TimeSpan.FromSeconds(10), "the notification marked read");
        Assert.Equal(0, unread);
    }

    private async Task<bool> MutedAsync(string agentId) =>
        (await app.Api("mu").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/initiations/settings")).GetProperty("muted").GetBoolean();
}
