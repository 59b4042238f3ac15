using System.Globalization;

namespace Hearth.Web.Tests;

/// <summary>Deleting a message from the chat page (issue 20): confirmed first, the exchange goes, the mood follows the server.</summary>
[Collection(WebCollection.Name)]
public sealed class MessageDeletionTests(WebApp app)
{
    private const string Plain = "What did you do this morning?";
    private const string Warm = "Thank you, you are wonderful and I love talking with you!";

    private static string MoodChip(JsonElement mood) =>
        string.Create(CultureInfo.InvariantCulture, $"Mood: {mood.GetProperty("label").GetString()} ({(mood.GetProperty("value").GetDouble() >= 0 ? "+" : "")}{mood.GetProperty("value").GetDouble():0.00})");

    private static string AffinityChip(JsonElement affinity) =>
        string.Create(CultureInfo.InvariantCulture, $"Affinity: {Math.Round(affinity.GetProperty("value").GetDouble(), MidpointRounding.AwayFromZero)}/100 · {affinity.GetProperty("band").GetString()}");

    [Fact]
    public async Task Deleting_either_half_of_an_exchange_removes_the_turn_after_a_confirmation_and_takes_back_its_mood()
    {
        var agentId = await app.CreateAgentAsync("deleter", "Noor");
        var api = app.Api("deleter");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "deleter");
        await PageSteps.SendAsync(page, Plain);
        var plainState = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/state");
        var warmReplyId = await (await PageSteps.SendAsync(page, Warm)).GetAttributeAsync("data-id");
        var warmState = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/state");
        // The warm words moved her feelings (else taking them back would prove nothing), and the header shows it.
        Assert.True(warmState.GetProperty("mood").GetProperty("value").GetDouble() > plainState.GetProperty("mood").GetProperty("value").GetDouble());
        Assert.True(warmState.GetProperty("affinity").GetProperty("value").GetDouble() > plainState.GetProperty("affinity").GetProperty("value").GetDouble());
        await Expect(page.Locator("#mood")).ToHaveTextAsync(MoodChip(warmState.GetProperty("mood")));

        var messages = PageSteps.Messages(page).Locator("li.message");
        await Expect(messages).ToHaveCountAsync(4);
        var warmMine = PageSteps.Messages(page).Locator("li.mine").Filter(new() { HasText = Warm });

        // Cancelling the confirmation deletes nothing.
        string? question = null;
        void Dismiss(object? sender, IDialog dialog) { question = dialog.Message; _ = dialog.DismissAsync(); }
        page.Dialog += Dismiss;
        await warmMine.GetByRole(AriaRole.Button, new() { Name = "Delete your message" }).ClickAsync();
        await Expect(messages).ToHaveCountAsync(4);
        Assert.Contains("your message and Noor's reply", question, StringComparison.Ordinal);
        page.Dialog -= Dismiss;
        Assert.Equal(4, (await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=10")).GetProperty("items").GetArrayLength());

        // Accepted: the user's message and the reply to it go, on the page and on the server; the mood is the server's answer.
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        var deletion = await page.RunAndWaitForResponseAsync(
            () => warmMine.GetByRole(AriaRole.Button, new() { Name = "Delete your message" }).ClickAsync(),
            response => response.Request.Method == "DELETE");
        Assert.Equal(200, deletion.Status);
        var answer = (await deletion.JsonAsync())!.Value;
        Assert.Equal(2, answer.GetProperty("deleted").GetArrayLength());
        await Expect(messages).ToHaveCountAsync(2);
        await Expect(PageSteps.Messages(page)).Not.ToContainTextAsync(Warm);
        await Expect(PageSteps.Messages(page).Locator($"li[data-id=\"{warmReplyId}\"]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#mood")).ToHaveTextAsync(MoodChip(answer.GetProperty("mood")));
        await Expect(page.Locator("#affinity")).ToHaveTextAsync(AffinityChip(answer.GetProperty("affinity")));
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Exchange deleted." }).First).ToBeAttachedAsync();

        var stored = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=10");
        Assert.Equal(2, stored.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain(stored.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString() == Warm);
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/state");
        Assert.Equal(plainState.GetProperty("mood").GetProperty("value").GetDouble(), after.GetProperty("mood").GetProperty("value").GetDouble(), 3);
        Assert.Equal(plainState.GetProperty("affinity").GetProperty("value").GetDouble(), after.GetProperty("affinity").GetProperty("value").GetDouble(), 2);
        Assert.Equal(after.GetProperty("mood").GetProperty("value").GetDouble(), answer.GetProperty("mood").GetProperty("value").GetDouble(), 6);
        await Screenshots.SaveAsync(page, "chat-message-deleted");

        // The companion's half deletes the exchange too, and what is left after a reload is what the server kept: nothing.
        await PageSteps.Messages(page).Locator("li.theirs").GetByRole(AriaRole.Button, new() { Name = "Delete this message from Noor" }).ClickAsync();
        await Expect(messages).ToHaveCountAsync(0);
        await Expect(page.GetByText("No messages yet. Say hello to Noor!")).ToBeVisibleAsync();
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=10")).GetProperty("items").GetArrayLength());
        await page.ReloadAsync();
        await Expect(page.GetByText("No messages yet. Say hello to Noor!")).ToBeVisibleAsync();
        await Expect(messages).ToHaveCountAsync(0);
    }
}
