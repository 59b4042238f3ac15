using System.Net;

namespace Hearth.Web.Tests;

/// <summary>Group chat on the chat page (issue 20): made from the user's companions, each reply labelled with who spoke.</summary>
[Collection(WebCollection.Name)]
public sealed class GroupChatTests(WebApp app)
{
    [Fact]
    public async Task A_group_of_three_is_created_chatted_with_and_each_reply_says_who_spoke_also_after_a_reload()
    {
        var ada = await app.CreateAgentAsync("grouper", "Ada");
        var bo = await app.CreateAgentAsync("grouper", "Bo");
        var cy = await app.CreateAgentAsync("grouper", "Cy");
        var api = app.Api("grouper");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "grouper");
        await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new("^Ada florist") })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "New group" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New group chat" });
        await Expect(form.GetByLabel("Group name")).ToBeFocusedAsync();
        // One companion is not a group: the page says so and stores nothing.
        await form.GetByRole(AriaRole.Checkbox, new() { Name = "Ada" }).CheckAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "two or more companions" })).ToBeVisibleAsync();
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>("/api/groups")).GetProperty("items").GetArrayLength());

        await form.GetByLabel("Group name").FillAsync("Book club");
        await form.GetByRole(AriaRole.Checkbox, new() { Name = "Bo" }).CheckAsync();
        await form.GetByRole(AriaRole.Checkbox, new() { Name = "Cy" }).CheckAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await Expect(form).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Book club" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Group chats" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Book club") }))
            .ToHaveAttributeAsync("aria-current", "true");
        var group = Assert.Single((await api.GetFromJsonAsync<JsonElement>("/api/groups")).GetProperty("items").EnumerateArray());
        var groupId = group.GetProperty("id").GetString()!;
        Assert.Equal("Book club", group.GetProperty("name").GetString());
        Assert.Equal([ada, bo, cy], group.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("agentId").GetString()).ToList());

        // Addressed by name, Ada and Cy answer, in the order named, each labelled.
        var replies = PageSteps.Messages(page).Locator("li.theirs");
        await PageSteps.Composer(page).FillAsync("Ada and Cy, what are you reading this week?");
        await page.Keyboard.PressAsync("Enter");
        await Expect(replies).ToHaveCountAsync(2);
        await Expect(replies.Locator(".speaker")).ToHaveTextAsync(["Ada", "Cy"]);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "someone is typing" })).ToBeHiddenAsync();
        // Nobody named: the next in turn answers.
        await PageSteps.Composer(page).FillAsync("Anyone else?");
        await page.Keyboard.PressAsync("Enter");
        await Expect(replies).ToHaveCountAsync(3);
        await Expect(PageSteps.Messages(page).Locator("li.mine:not(.pending)")).ToHaveCountAsync(2);

        // What the page shows is what the server stored: every line, its speaker and its text.
        await AssertPageShowsStoredLinesAsync(page, api, groupId, 5);
        await Screenshots.SaveAsync(page, "chat-group");

        // A line's details show the exact prompt that companion's reply was written from.
        var cyLine = replies.Filter(new() { Has = page.Locator(".speaker", new() { HasText = "Cy" }) });
        await cyLine.GetByRole(AriaRole.Button, new() { Name = "Details of this reply from Cy" }).ClickAsync();
        var drawer = page.GetByRole(AriaRole.Complementary, new() { Name = "Reply details" });
        var prompt = await api.GetFromJsonAsync<JsonElement>($"/api/groups/{groupId}/messages/{await cyLine.GetAttributeAsync("data-id")}/prompt");
        await Expect(drawer.GetByRole(AriaRole.List, new() { Name = "Prompt sent to the model" }).Locator("li"))
            .ToHaveCountAsync(prompt.GetProperty("messages").GetArrayLength());
        await Expect(drawer).ToContainTextAsync("Cy's mood toward you");
        await page.Keyboard.PressAsync("Escape");

        // A reload opens the group again with its history and labels; a companion opens its own conversation.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Book club" })).ToBeVisibleAsync();
        await AssertPageShowsStoredLinesAsync(page, api, groupId, 5);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new("^Bo florist") }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bo", Exact = true })).ToBeVisibleAsync();
        await Expect(PageSteps.Messages(page).Locator("li.message")).ToHaveCountAsync(0);

        // Someone else does not see it; deleting it (confirmed) removes it and keeps the companions.
        Assert.Equal(HttpStatusCode.NotFound, (await app.Api("stranger").GetAsync($"/api/groups/{groupId}")).StatusCode);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new("^Book club") }).ClickAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete group" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Group chats" }).GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/groups/{groupId}")).StatusCode);
        Assert.Equal(3, (await api.GetFromJsonAsync<JsonElement>("/api/agents")).GetProperty("items").GetArrayLength());
    }

    private static async Task AssertPageShowsStoredLinesAsync(IPage page, HttpClient api, string groupId, int count)
    {
        var stored = (await api.GetFromJsonAsync<JsonElement>($"/api/groups/{groupId}/messages?limit=20")).GetProperty("items").EnumerateArray().Reverse().ToList();
        Assert.Equal(count, stored.Count);
        var lines = PageSteps.Messages(page).Locator("li.message");
        await Expect(lines).ToHaveCountAsync(count);
        for (var i = 0; i < count; i++)
        {
            var line = lines.Nth(i);
            await Expect(line).ToHaveAttributeAsync("data-id", stored[i].GetProperty("id").GetString()!);
            await Expect(line.Locator(".text")).ToHaveTextAsync(stored[i].GetProperty("text").GetString()!);
            if (stored[i].GetProperty("role").GetString() == "agent")
                await Expect(line.Locator(".speaker")).ToHaveTextAsync(stored[i].GetProperty("agentName").GetString()!);
            else
                await Expect(line.Locator(".speaker")).ToHaveCountAsync(0);
        }
    }
}
