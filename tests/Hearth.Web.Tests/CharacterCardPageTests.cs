using System.Text;
using System.Text.Json.Nodes;
using Hearth.Testing.Fakes;

namespace Hearth.Web.Tests;

/// <summary>Character cards in the admin page (issue 20): dropped in or picked, they become companions; exported again as JSON or PNG.</summary>
[Collection(WebCollection.Name)]
public sealed class CharacterCardPageTests(WebApp app)
{
    private const string FirstMessage = "Welcome aboard. Mind the rigging, it bites.";

    /// <summary>A Character Card V2 written here from the spec: the fields a person sees, and a book with one entry.</summary>
    private static JsonObject Card(string name, string firstMessage) => new()
    {
        ["spec"] = "chara_card_v2",
        ["spec_version"] = "2.0",
        ["data"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = $"{name} commands the airship Kestrel.",
            ["personality"] = "dry wit, fiercely loyal",
            ["scenario"] = "A new navigator has just signed on.",
            ["first_mes"] = firstMessage,
            ["mes_example"] = "",
            ["creator_notes"] = "",
            ["system_prompt"] = "",
            ["post_history_instructions"] = "",
            ["alternate_greetings"] = new JsonArray(),
            ["tags"] = new JsonArray("airship"),
            ["creator"] = "hearth-web-tests",
            ["character_version"] = "1",
            ["extensions"] = new JsonObject(),
            ["character_book"] = new JsonObject
            {
                ["name"] = "Skyways",
                ["extensions"] = new JsonObject(),
                ["entries"] = new JsonArray(new JsonObject
                {
                    ["keys"] = new JsonArray("Kestrel"), ["content"] = "The Kestrel is an airship with a patched blue balloon.", ["extensions"] = new JsonObject(),
                    ["enabled"] = true, ["insertion_order"] = 10, ["name"] = "ship",
                }),
            },
        },
    };

    private static byte[] CardPng(string name, string firstMessage) =>
        TinyPng.WithText(TinyPng.Solid(90, 140, 200, 32), "chara", Convert.ToBase64String(Encoding.UTF8.GetBytes(Card(name, firstMessage).ToJsonString())));

    [Fact]
    public async Task A_card_dropped_or_picked_becomes_a_companion_with_its_first_message_and_exports_again()
    {
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/admin", "carder");
        var import = page.GetByRole(AriaRole.Form, new() { Name = "Import a character card" });
        await Expect(import).ToBeVisibleAsync();

        // Drag and drop: the browser hands the page a file in a drop event.
        await import.EvaluateAsync("""
            (zone, b64) => {
              const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
              const data = new DataTransfer();
              data.items.add(new File([bytes], 'captain-wren.png', { type: 'image/png' }));
              zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
              zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
            }
            """, Convert.ToBase64String(CardPng("Captain Wren", FirstMessage)));
        await Expect(import.GetByRole(AriaRole.Status)).ToHaveTextAsync("Captain Wren imported from captain-wren.png.");
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Edit Captain Wren" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Personality", new() { Exact = true })).ToHaveValueAsync("dry wit, fiercely loyal");
        // The card's book is the companion's lorebook; its picture the base portrait.
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Captain Wren's lorebook: entries" })).ToContainTextAsync("The Kestrel is an airship");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Base portrait of Captain Wren" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-card-imported", forDocs: true);

        // The file picker takes a JSON card.
        await page.GetByLabel("Character card file").SetInputFilesAsync(new FilePayload
        {
            Name = "odile.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(Card("Odile", "Bonsoir! You found my little bookshop.").ToJsonString()),
        });
        await Expect(import.GetByRole(AriaRole.Status)).ToHaveTextAsync("Odile imported from odile.json.");
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Edit Odile" })).ToBeVisibleAsync();

        var agents = (await app.Api("carder").GetFromJsonAsync<JsonElement>("/api/agents")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["Odile", "Captain Wren"], agents.Select(a => a.GetProperty("name").GetString()).ToList());
        var wren = agents.Single(a => a.GetProperty("name").GetString() == "Captain Wren");
        var wrenId = wren.GetProperty("id").GetString()!;
        Assert.Equal("dry wit, fiercely loyal", wren.GetProperty("personality").GetString());

        // Exported again, as JSON and as a PNG with the card inside.
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByRole(AriaRole.Button, new() { NameRegex = new("^Captain Wren") }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Edit Captain Wren" })).ToBeVisibleAsync();
        var json = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download card (JSON)" }).ClickAsync());
        Assert.Equal("Captain_Wren.json", json.SuggestedFilename);
        var exported = JsonNode.Parse(await File.ReadAllTextAsync((await json.PathAsync())!))!;
        Assert.Equal("Captain Wren", exported["data"]!["name"]!.GetValue<string>());
        Assert.Equal(FirstMessage, exported["data"]!["first_mes"]!.GetValue<string>());
        Assert.Contains("patched blue balloon", exported["data"]!["character_book"]!.ToJsonString());
        var png = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download card (PNG)" }).ClickAsync());
        Assert.Equal("Captain_Wren.png", png.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync((await png.PathAsync())!);
        var inside = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(TinyPng.Texts(bytes)["chara"])))!;
        Assert.Equal("Captain Wren", inside["data"]!["name"]!.GetValue<string>());

        // The card's first message opens the conversation.
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat with Captain Wren" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Captain Wren" })).ToBeVisibleAsync();
        await Expect(PageSteps.Messages(page).Locator("li.theirs .text")).ToHaveTextAsync(FirstMessage);
        var stored = await app.Api("carder").GetFromJsonAsync<JsonElement>($"/api/agents/{wrenId}/messages?limit=5");
        Assert.Equal(FirstMessage, Assert.Single(stored.GetProperty("items").EnumerateArray()).GetProperty("text").GetString());
    }
}
