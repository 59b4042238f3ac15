using Hearth.Testing.Fakes;

namespace Hearth.Web.Tests;

/// <summary>The lorebook editor (issue 20): a companion's book and the user's own, entries added, changed and deleted; they reach the prompt.</summary>
[Collection(WebCollection.Name)]
public sealed class LorebookEditorTests(WebApp app)
{
    [Fact]
    public async Task Lorebook_entries_are_added_edited_and_deleted_per_companion_and_per_user_and_reach_the_prompt()
    {
        var site = await app.ModelSiteAsync();
        var agentId = await site.CreateAgentAsync("lorist", "Sol");
        site.Model.Responder = _ => FakeChatReply.Text("Oh, that winter! Everyone still talks about it.");
        var page = await app.NewPageAsync(site: site.BaseAddress);
        await PageSteps.SignInAsync(page, "/admin", "lorist");
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Sol") }).ClickAsync();
        var book = page.GetByRole(AriaRole.Region, new() { Name = "Sol's lorebook" });
        var entries = book.GetByRole(AriaRole.List, new() { Name = "Sol's lorebook: entries" });
        await Expect(entries).ToContainTextAsync("No entries yet.");

        var add = book.GetByRole(AriaRole.Form, new() { Name = "Add an entry to Sol's lorebook" });
        await add.GetByLabel("Entry name").FillAsync("harbour");
        await add.GetByLabel("Keys (comma-separated)").FillAsync("harbour, port");
        await add.GetByLabel("Secondary keys (comma-separated, optional)").FillAsync("winter");
        await add.GetByLabel("Content").FillAsync("The harbour froze solid once.");
        await add.GetByLabel("Insertion order (lower comes first)").FillAsync("5");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add entry" }).ClickAsync();
        await Expect(entries).ToContainTextAsync("keys: harbour, port · with one of: winter");

        await add.GetByLabel("Entry name").FillAsync("bakery");
        await add.GetByLabel("Keys (comma-separated)").FillAsync("bread");
        await add.GetByLabel("Content").FillAsync("Sol buys bread at the corner bakery.");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add entry" }).ClickAsync();
        await Expect(entries.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);

        await entries.GetByRole(AriaRole.Button, new() { Name = "Edit entry harbour" }).ClickAsync();
        var edit = book.GetByRole(AriaRole.Form, new() { Name = "Edit entry harbour" });
        await Expect(edit.GetByLabel("Content")).ToHaveValueAsync("The harbour froze solid once.");
        await edit.GetByLabel("Content").FillAsync("The harbour froze solid in the winter of 1947.");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Expect(entries).ToContainTextAsync("The harbour froze solid in the winter of 1947.");

        await entries.GetByRole(AriaRole.Button, new() { Name = "Delete entry bakery" }).ClickAsync();
        await Expect(entries.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await Expect(entries).Not.ToContainTextAsync("bakery");

        var scan = book.GetByRole(AriaRole.Form, new() { Name = "Sol's lorebook: scan settings" });
        await scan.GetByLabel("Scan depth (latest messages searched)").FillAsync("6");
        await scan.GetByRole(AriaRole.Button, new() { Name = "Save scan settings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Scan settings saved." })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-lorebook");

        var stored = await site.Api("lorist").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/lorebook");
        Assert.Equal(6, stored.GetProperty("scanDepth").GetInt32());
        var entry = Assert.Single(stored.GetProperty("entries").EnumerateArray());
        Assert.Equal("harbour", entry.GetProperty("name").GetString());
        Assert.Equal(["harbour", "port"], entry.GetProperty("keys").EnumerateArray().Select(k => k.GetString()).ToList());
        Assert.Equal(["winter"], entry.GetProperty("secondaryKeys").EnumerateArray().Select(k => k.GetString()).ToList());
        Assert.True(entry.GetProperty("selective").GetBoolean());
        Assert.Equal(5, entry.GetProperty("insertionOrder").GetInt32());
        Assert.Equal("The harbour froze solid in the winter of 1947.", entry.GetProperty("content").GetString());

        // The user's own book, for every companion.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Lorebook" }).ClickAsync();
        var mine = page.GetByRole(AriaRole.Region, new() { Name = "Your lorebook" });
        var addMine = mine.GetByRole(AriaRole.Form, new() { Name = "Add an entry to Your lorebook" });
        await addMine.GetByLabel("Entry name").FillAsync("grandmother");
        await addMine.GetByLabel("Keys (comma-separated)").FillAsync("grandmother");
        await addMine.GetByLabel("Content").FillAsync("The user's grandmother Rosa taught them to sail.");
        await addMine.GetByRole(AriaRole.Button, new() { Name = "Add entry" }).ClickAsync();
        await Expect(mine.GetByRole(AriaRole.List, new() { Name = "Your lorebook: entries" })).ToContainTextAsync("grandmother Rosa");
        var user = await site.Api("lorist").GetFromJsonAsync<JsonElement>("/api/lorebook");
        Assert.Equal("grandmother", Assert.Single(user.GetProperty("entries").EnumerateArray()).GetProperty("name").GetString());

        // Both books reach the prompt when their keys come up, and the reply details name them.
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat", Exact = true }).ClickAsync();
        var reply = await PageSteps.SendAsync(page, "Was the harbour busy that winter? My grandmother never said.");
        var sent = Assert.Single(site.RequestsAbout("Was the harbour busy that winter?"));
        Assert.Contains("The harbour froze solid in the winter of 1947.", sent.System);
        Assert.Contains("The user's grandmother Rosa taught them to sail.", sent.System);
        await reply.GetByRole(AriaRole.Button, new() { NameRegex = new("^Details of this reply") }).ClickAsync();
        var lore = page.GetByRole(AriaRole.Complementary, new() { Name = "Reply details" }).GetByRole(AriaRole.List, new() { Name = "Lore used" });
        await Expect(lore).ToContainTextAsync("harbour");
        await Expect(lore).ToContainTextAsync("grandmother");
    }
}
