namespace Hearth.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class MemoryReviewTests(WebApp app)
{
    private const string Suggestion = "Likes sailing on the river at dawn";

    [Fact]
    public async Task An_accepted_suggestion_is_used_in_the_next_reply_and_the_drawer_shows_it()
    {
        await app.CreateAgentAsync("mo", "Iris");
        var chat = await app.NewPageAsync();
        await PageSteps.SignInAsync(chat, "/", "mo");
        await PageSteps.SendAsync(chat, "I love sailing on the river at dawn.");

        // The suggestion a background job finds in that message shows up in the review list by itself.
        var admin = await chat.Context.NewPageAsync();
        await admin.GotoAsync("/admin#memory");
        var memories = admin.GetByRole(AriaRole.List, new() { Name = "Memories" });
        var accept = memories.GetByRole(AriaRole.Button, new() { Name = $"Accept: {Suggestion}" });
        await Expect(accept).ToBeVisibleAsync(new() { Timeout = 30_000 });

        // Still only a suggestion: a reply does not recall it.
        await chat.BringToFrontAsync();
        var before = await PageSteps.SendAsync(chat, "Do you remember what I said about sailing?");
        var drawer = await OpenDetailsAsync(chat, before);
        await Expect(drawer).Not.ToContainTextAsync(Suggestion);
        await chat.Keyboard.PressAsync("Escape");

        await admin.BringToFrontAsync();
        await accept.ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Remembered: {Suggestion}" })).ToBeVisibleAsync();
        await Expect(memories).Not.ToContainTextAsync(Suggestion); // gone from the suggestions
        var accepted = await app.Api("mo").GetFromJsonAsync<JsonElement>("/api/memory?status=accepted");
        Assert.Contains(accepted.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString() == Suggestion);

        await chat.BringToFrontAsync();
        var after = await PageSteps.SendAsync(chat, "Tell me again, what about sailing?");
        drawer = await OpenDetailsAsync(chat, after);
        var used = drawer.GetByRole(AriaRole.List, new() { Name = "Memories used" }).Locator("li").Filter(new() { HasText = Suggestion });
        await Expect(used).ToBeVisibleAsync();
        await Expect(used).ToContainTextAsync("preference · warm");
        await Screenshots.SaveAsync(chat, "memory-used", forDocs: true);
    }

    [Fact]
    public async Task A_suggestion_can_be_edited_rejected_and_deleted()
    {
        await app.CreateAgentAsync("ed", "Oskar");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "ed");
        await PageSteps.SendAsync(page, "I live in Porto. I work as a carpenter.");

        await page.GotoAsync("/admin#memory");
        var memories = page.GetByRole(AriaRole.List, new() { Name = "Memories" });
        await Expect(memories.GetByRole(AriaRole.Button, new() { Name = "Edit: Lives in Porto" })).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await memories.GetByRole(AriaRole.Button, new() { Name = "Edit: Lives in Porto" }).ClickAsync();
        await page.GetByLabel("Memory text").FillAsync("Lives in Porto, near the river");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync(); // not the core memory card's "Save core memory"
        await Expect(memories.GetByRole(AriaRole.Button, new() { Name = "Reject: Lives in Porto, near the river" })).ToBeVisibleAsync();

        await memories.GetByRole(AriaRole.Button, new() { Name = "Reject: Lives in Porto, near the river" }).ClickAsync();
        await Expect(memories).Not.ToContainTextAsync("Lives in Porto");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await memories.GetByRole(AriaRole.Button, new() { Name = "Delete: Works as a carpenter" }).ClickAsync();
        await Expect(memories).Not.ToContainTextAsync("carpenter");

        var all = await app.Api("ed").GetFromJsonAsync<JsonElement>("/api/memory");
        var items = all.GetProperty("items").EnumerateArray().ToList();
        var porto = Assert.Single(items, m => m.GetProperty("text").GetString()!.StartsWith("Lives in Porto", StringComparison.Ordinal));
        Assert.Equal("Lives in Porto, near the river", porto.GetProperty("text").GetString());
        Assert.Equal("rejected", porto.GetProperty("status").GetString());
        Assert.DoesNotContain(items, m => m.GetProperty("text").GetString()!.Contains("carpenter", StringComparison.Ordinal));
        await Screenshots.SaveAsync(page, "memory-review");
    }

    private static async Task<ILocator> OpenDetailsAsync(IPage page, ILocator reply)
    {
        await reply.GetByRole(AriaRole.Button, new() { NameRegex = new("^Details of this reply") }).ClickAsync();
        var drawer = page.GetByRole(AriaRole.Complementary, new() { Name = "Reply details" });
        await Expect(drawer.GetByRole(AriaRole.Heading, new() { Name = "Memories used" })).ToBeVisibleAsync();
        return drawer;
    }
}
