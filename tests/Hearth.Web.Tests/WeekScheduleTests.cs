namespace Hearth.Web.Tests;

/// <summary>The companion's weekly availability edited as a week schedule (issue 20), not as JSON.</summary>
[Collection(WebCollection.Name)]
public sealed class WeekScheduleTests(WebApp app)
{
    [Fact]
    public async Task The_weekly_availability_is_edited_as_a_week_schedule_and_stored()
    {
        var agentId = await app.CreateAgentAsync("planner", "Tess");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/admin", "planner");
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Tess") }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Edit Tess" });
        var schedule = form.GetByRole(AriaRole.Group, new() { Name = "Weekly availability" });
        var glance = schedule.GetByRole(AriaRole.Table, new() { Name = "The week at a glance" });
        await Expect(glance.GetByRole(AriaRole.Row, new() { Name = "Monday" })).ToContainTextAsync("Free all day");

        await schedule.GetByRole(AriaRole.Button, new() { Name = "Add a block" }).ClickAsync();
        var sleep = schedule.GetByRole(AriaRole.Group, new() { Name = "Block 1" });
        await Expect(sleep.GetByLabel("State")).ToHaveValueAsync("Asleep");
        await sleep.GetByLabel("From").FillAsync("23:30");
        await sleep.GetByLabel("Until").FillAsync("06:30");

        await schedule.GetByRole(AriaRole.Button, new() { Name = "Add a block" }).ClickAsync();
        var work = schedule.GetByRole(AriaRole.Group, new() { Name = "Block 2" });
        await work.GetByLabel("State").SelectOptionAsync("Working");
        foreach (var day in new[] { "Fri", "Sat", "Sun" }) await work.GetByLabel(day, new() { Exact = true }).UncheckAsync();
        await work.GetByLabel("From").FillAsync("09:00");
        await work.GetByLabel("Until").FillAsync("17:30");

        await Expect(glance.GetByRole(AriaRole.Row, new() { Name = "Monday" })).ToContainTextAsync("Asleep 00:00–06:30, Working 09:00–17:30, Asleep 23:30–24:00");
        await Expect(glance.GetByRole(AriaRole.Row, new() { Name = "Friday" })).ToContainTextAsync("Asleep 00:00–06:30, Asleep 23:30–24:00");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Tess saved." })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-week-schedule", forDocs: true);

        var blocks = await AvailabilityAsync(agentId);
        Assert.Equal(2, blocks.Count);
        Assert.Equal(("Asleep", "23:30", "06:30", "mon,tue,wed,thu,fri,sat,sun"), blocks[0]);
        Assert.Equal(("Working", "09:00", "17:30", "mon,tue,wed,thu"), blocks[1]);

        // After a reload the schedule is read back into the same blocks; removing one is stored too.
        await page.ReloadAsync();
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Tess") }).ClickAsync();
        await Expect(work.GetByLabel("State")).ToHaveValueAsync("Working");
        await Expect(work.GetByLabel("Sat", new() { Exact = true })).Not.ToBeCheckedAsync();
        await Expect(work.GetByLabel("Thu", new() { Exact = true })).ToBeCheckedAsync();
        await sleep.GetByRole(AriaRole.Button, new() { Name = "Remove block 1" }).ClickAsync();
        await Expect(schedule.GetByRole(AriaRole.Group, new() { Name = "Block 1" }).GetByLabel("State")).ToHaveValueAsync("Working");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Tess saved." })).ToBeVisibleAsync();
        Assert.Equal([("Working", "09:00", "17:30", "mon,tue,wed,thu")], await AvailabilityAsync(agentId));
    }

    private async Task<List<(string State, string From, string To, string Days)>> AvailabilityAsync(string agentId)
    {
        var agent = await app.Api("planner").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}");
        return agent.GetProperty("availability").EnumerateArray().Select(b => (b.GetProperty("state").GetString()!, b.GetProperty("from").GetString()!,
            b.GetProperty("to").GetString()!, string.Join(",", b.GetProperty("days").EnumerateArray().Select(d => d.GetString())))).ToList();
    }
}
