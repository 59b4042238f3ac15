namespace Hearth.Web.Tests;

/// <summary>
/// A group's lines on the chat page (issue 20): the last companion's line written again and swiped, lines edited (with the
/// edited mark, which follows the alternative shown) and deleted — each checked against what the server stored.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class GroupLineActionsTests(WebApp app)
{
    [Fact]
    public async Task A_groups_last_line_is_swiped_lines_are_edited_with_a_mark_and_deleting_the_users_line_takes_its_replies()
    {
        var ada = await app.CreateAgentAsync("group-actions", "Ada");
        var bo = await app.CreateAgentAsync("group-actions", "Bo");
        var api = app.Api("group-actions");
        using var created = await api.PostAsJsonAsync("/api/groups", new { name = "Pair", agentIds = new[] { ada, bo } });
        var groupId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, $"/?group={groupId}", "group-actions");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Pair" })).ToBeVisibleAsync();

        await PageSteps.Composer(page).FillAsync("Ada, what are you up to?");
        await page.Keyboard.PressAsync("Enter");
        var adaLine = PageSteps.Messages(page).Locator("li.theirs");
        await Expect(adaLine).ToHaveCountAsync(1);
        var lineId = (await adaLine.GetAttributeAsync("data-id"))!;
        var first = await adaLine.Locator(".text").TextContentAsync();

        // Written again: the page shows the server's chosen alternative and can swipe back to the first.
        var swipes = adaLine.GetByRole(AriaRole.Group, new() { Name = "Other replies from Ada" });
        await swipes.GetByRole(AriaRole.Button, new() { Name = "Regenerate" }).ClickAsync();
        await Expect(swipes).ToContainTextAsync("2 of 2");
        var stored = await api.GetFromJsonAsync<JsonElement>($"/api/groups/{groupId}/messages/{lineId}/alternatives");
        Assert.Equal(1, stored.GetProperty("selected").GetInt32());
        await Expect(adaLine.Locator(".text")).ToHaveTextAsync(stored.GetProperty("text").GetString()!);
        await swipes.GetByRole(AriaRole.Button, new() { Name = "Previous reply" }).ClickAsync();
        await Expect(swipes).ToContainTextAsync("1 of 2");
        await Expect(adaLine.Locator(".text")).ToHaveTextAsync(first!);
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>($"/api/groups/{groupId}/messages/{lineId}/alternatives")).GetProperty("selected").GetInt32());

        // Edited in place: the text and the mark are the server's; the mark goes with the other alternative and comes back.
        await adaLine.GetByRole(AriaRole.Button, new() { Name = "Edit this reply from Ada" }).ClickAsync();
        await adaLine.GetByRole(AriaRole.Textbox, new() { Name = "Message text" }).FillAsync("Reading about lighthouses, mostly.");
        await adaLine.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(adaLine.Locator(".text")).ToHaveTextAsync("Reading about lighthouses, mostly.");
        var badge = adaLine.Locator(".badge.edited");
        await Expect(badge).ToBeVisibleAsync();
        var line = (await api.GetFromJsonAsync<JsonElement>($"/api/groups/{groupId}/messages")).GetProperty("items").EnumerateArray().First(l => l.GetProperty("id").GetString() == lineId);
        Assert.True(line.GetProperty("edited").GetBoolean());
        Assert.Equal("Reading about lighthouses, mostly.", line.GetProperty("text").GetString());
        await swipes.GetByRole(AriaRole.Button, new() { Name = "Next reply" }).ClickAsync();
        await Expect(swipes).ToContainTextAsync("2 of 2");
        await Expect(badge).ToHaveCountAsync(0);
        await swipes.GetByRole(AriaRole.Button, new() { Name = "Previous reply" }).ClickAsync();
        await Expect(adaLine.Locator(".text")).ToHaveTextAsync("Reading about lighthouses, mostly.");
        await Expect(badge).ToBeVisibleAsync();
        // After a reload the mark is still there, from the server.
        await page.ReloadAsync();
        await Expect(PageSteps.Messages(page).Locator("li.theirs .badge.edited")).ToBeVisibleAsync();

        // The user's line deleted (confirmed): Ada's reply goes with it, on the page and on the server.
        string? question = null;
        page.Dialog += (_, dialog) => { question = dialog.Message; _ = dialog.AcceptAsync(); };
        await PageSteps.Messages(page).Locator("li.mine").GetByRole(AriaRole.Button, new() { Name = "Delete your message" }).ClickAsync();
        await Expect(PageSteps.Messages(page).Locator("li.message")).ToHaveCountAsync(0);
        Assert.Contains("replies to it from Ada", question, StringComparison.Ordinal);
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>($"/api/groups/{groupId}/messages")).GetProperty("items").GetArrayLength());
    }
}
