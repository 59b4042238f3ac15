namespace Hearth.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class AdminPageTests(WebApp app)
{
    [Fact]
    public async Task A_companion_created_in_admin_can_be_chatted_with()
    {
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/admin", "ada");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New companion" });
        await Expect(form).ToBeVisibleAsync();

        await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Juniper");
        await form.GetByLabel("Time zone", new() { Exact = true }).FillAsync("America/Chicago");
        await form.GetByLabel("Occupation", new() { Exact = true }).FillAsync("ceramicist");
        await form.GetByLabel("Home city", new() { Exact = true }).FillAsync("Chicago");
        await form.GetByLabel("Personality", new() { Exact = true }).FillAsync("dry humour, patient, curious about people");
        await form.GetByLabel("Appearance prompt", new() { Exact = true }).FillAsync("mid thirties, short grey hair, clay on her apron");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create companion" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Edit Juniper" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Companions" })).ToContainTextAsync("Juniper");
        // The base portrait its look started is drawn and previewed.
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Base portrait of Juniper" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(page.Locator("#portrait-status")).ToContainTextAsync("succeeded");
        await Screenshots.SaveAsync(page, "admin-companion");

        var stored = await app.Api("ada").GetFromJsonAsync<JsonElement>("/api/agents");
        var agent = Assert.Single(stored.GetProperty("items").EnumerateArray());
        var agentId = agent.GetProperty("id").GetString();

        // Regenerate: a second base portrait job runs and the preview follows it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Regenerate portrait" }).ClickAsync();
        var portraits = await Hearth.Testing.Eventually.ValueAsync(
            async () => (await app.Api("ada").GetFromJsonAsync<JsonElement>($"/api/images?agentId={agentId}")).GetProperty("items").EnumerateArray()
                .Where(j => j.GetProperty("kind").GetString() == "basePortrait").ToList(),
            jobs => jobs.Count == 2 && jobs.All(j => j.GetProperty("status").GetString() == "succeeded"), TimeSpan.FromSeconds(60), "two base portraits drawn");
        await Expect(page.Locator("#portrait-status")).ToContainTextAsync("succeeded");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Base portrait of Juniper" }))
            .ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex($"^/media/{portraits[0].GetProperty("images")[0].GetProperty("mediaId").GetString()}\\?")); // the newest
        Assert.Equal("America/Chicago", agent.GetProperty("timezone").GetString());
        Assert.Equal("ceramicist", agent.GetProperty("occupation").GetString());

        await page.GetByRole(AriaRole.Link, new() { Name = "Chat with Juniper" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Juniper" })).ToBeVisibleAsync();
        var reply = await PageSteps.SendAsync(page, "Hello Juniper, what are you making this week?");
        await Expect(reply.Locator(".text")).Not.ToBeEmptyAsync();
        await Screenshots.SaveAsync(page, "admin-created-companion-chat");
    }

    [Fact]
    public async Task Editing_a_companion_and_adding_a_scenario_are_stored_on_a_phone()
    {
        var agentId = await app.CreateAgentAsync("eve", "Tomas");
        var page = await app.NewPageAsync(phone: true);
        await PageSteps.SignInAsync(page, "/admin", "eve");
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Tomas") }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Edit Tomas" });
        await form.GetByLabel("Bio", new() { Exact = true }).FillAsync("Runs a small bookshop by the river.");
        await form.GetByLabel("Time zone", new() { Exact = true }).FillAsync("Asia/Tokyo");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Tomas saved." })).ToBeVisibleAsync();

        var scenario = page.GetByRole(AriaRole.Form, new() { Name = "Add a scenario" });
        await scenario.GetByLabel("Title", new() { Exact = true }).FillAsync("Moving flats");
        await scenario.GetByLabel("Description", new() { Exact = true }).FillAsync("Boxes everywhere this week.");
        await scenario.GetByRole(AriaRole.Button, new() { Name = "Add scenario" }).ClickAsync();
        await Expect(page.Locator("#scenario-list")).ToContainTextAsync("Moving flats");

        var agent = await app.Api("eve").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}");
        Assert.Equal("Runs a small bookshop by the river.", agent.GetProperty("bio").GetString());
        Assert.Equal("Asia/Tokyo", agent.GetProperty("timezone").GetString());
        var scenarios = await app.Api("eve").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/scenarios");
        Assert.Contains(scenarios.GetProperty("items").EnumerateArray(), s => s.GetProperty("title").GetString() == "Moving flats");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scrolling on a phone");
        await Screenshots.SaveAsync(page, "admin-edit-phone");
    }
}
