using Hearth.Testing.Fakes;

namespace Hearth.Web.Tests;

/// <summary>
/// The chat page's tools for a conversation (issue 20): swiping between rewritten replies, editing messages in place and the
/// prompt in the reply details. The chat model is a fake at the HTTP boundary, so the test knows what it said and was sent.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class ConversationToolsTests(WebApp app)
{
    private const string Keeper = "The lighthouse keeper waves at every ship that passes.";
    private const string Dark = "The lighthouse has been dark since the storm.";

    private static ILocator TextOf(ILocator message) => message.Locator(".text");

    private static async Task<JsonElement> AlternativesAsync(HttpClient api, string agentId, string replyId) =>
        await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages/{replyId}/alternatives");

    [Fact]
    public async Task Regenerating_and_swiping_chooses_the_reply_that_later_turns_and_a_reload_show()
    {
        var site = await app.ModelSiteAsync();
        var agentId = await site.CreateAgentAsync("swiper", "Ines");
        var tries = 0;
        site.Model.Responder = request => request.LastUser.Contains("lighthouse", StringComparison.Ordinal)
            ? FakeChatReply.Text(Interlocked.Increment(ref tries) == 1 ? Keeper : Dark)
            : FakeChatReply.Text("Nobody but the gulls, these days.");
        var api = site.Api("swiper");
        var page = await app.NewPageAsync(site: site.BaseAddress);
        await PageSteps.SignInAsync(page, "/", "swiper");

        var last = await PageSteps.SendAsync(page, "What about the lighthouse?");
        await Expect(TextOf(last)).ToHaveTextAsync(Keeper);
        var replyId = (await last.GetAttributeAsync("data-id"))!;
        var reply = PageSteps.Messages(page).Locator($"li.message[data-id=\"{replyId}\"]");
        var swipes = reply.GetByRole(AriaRole.Group, new() { Name = "Other replies from Ines" });
        // One reply so far: it can be written again, there is nothing to swipe to yet.
        await Expect(swipes.GetByRole(AriaRole.Button, new() { Name = "Previous reply" })).ToHaveCountAsync(0);

        await swipes.GetByRole(AriaRole.Button, new() { Name = "Regenerate" }).ClickAsync();
        await Expect(TextOf(reply)).ToHaveTextAsync(Dark);
        await Expect(swipes).ToContainTextAsync("2 of 2");
        var stored = await AlternativesAsync(api, agentId, replyId);
        Assert.Equal(1, stored.GetProperty("selected").GetInt32());
        Assert.Equal([Keeper, Dark], stored.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()).ToList());
        // The regeneration was written from the same conversation, without the reply it replaces. (The system prompt's
        // recalled memory is left out: the index job may already hold the turn being rewritten.)
        var again = site.RequestsAbout("What about the lighthouse?")[^1];
        Assert.Equal("What about the lighthouse?", again.Messages[^1].Content);
        Assert.DoesNotContain(again.Messages.Where(m => m.Role != "system"), m => m.Content.Contains(Keeper, StringComparison.Ordinal));

        var previous = swipes.GetByRole(AriaRole.Button, new() { Name = "Previous reply" });
        var next = swipes.GetByRole(AriaRole.Button, new() { Name = "Next reply" });
        await Expect(next).ToBeDisabledAsync();
        await previous.ClickAsync();
        await Expect(TextOf(reply)).ToHaveTextAsync(Keeper);
        await Expect(swipes).ToContainTextAsync("1 of 2");
        await Expect(previous).ToBeDisabledAsync();
        await Expect(next).ToBeFocusedAsync(); // the keyboard stays on the arrows
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Reply 1 of 2" })).ToHaveTextAsync($"Reply 1 of 2: {Keeper}");
        Assert.Equal(0, (await AlternativesAsync(api, agentId, replyId)).GetProperty("selected").GetInt32());

        await next.ClickAsync();
        await Expect(TextOf(reply)).ToHaveTextAsync(Dark);
        Assert.Equal(1, (await AlternativesAsync(api, agentId, replyId)).GetProperty("selected").GetInt32());
        await previous.ClickAsync();
        await Expect(swipes).ToContainTextAsync("1 of 2");
        Assert.Equal(0, (await AlternativesAsync(api, agentId, replyId)).GetProperty("selected").GetInt32());
        await Screenshots.SaveAsync(page, "chat-swipes");

        // The next turn is written from the chosen reply alone (the conversation it reads; memory re-indexes on its own time).
        await PageSteps.SendAsync(page, "Does anyone live there now?");
        var later = Assert.Single(site.RequestsAbout("Does anyone live there now?")).Messages.Where(m => m.Role != "system").ToList();
        Assert.Contains(later, m => m.Role == "assistant" && m.Content.Contains(Keeper, StringComparison.Ordinal));
        Assert.DoesNotContain(later, m => m.Content.Contains(Dark, StringComparison.Ordinal));
        // Only the latest reply can be swiped or written again.
        await Expect(PageSteps.Messages(page).GetByRole(AriaRole.Group, new() { NameRegex = new("^Other replies") })).ToHaveCountAsync(1);
        await Expect(swipes).ToHaveCountAsync(0);

        await page.ReloadAsync();
        var replies = PageSteps.Messages(page).Locator("li.theirs");
        await Expect(replies).ToHaveCountAsync(2);
        await Expect(TextOf(replies.First)).ToHaveTextAsync(Keeper);
        await Expect(replies.Last.GetByRole(AriaRole.Button, new() { Name = "Regenerate" })).ToBeVisibleAsync();
        var messages = await api.GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=10");
        Assert.DoesNotContain(messages.GetProperty("items").EnumerateArray(), m => m.GetProperty("text").GetString() == Dark);
    }

    [Fact]
    public async Task The_users_message_and_the_companions_reply_are_edited_in_place_and_the_next_turn_reads_the_new_text()
    {
        var site = await app.ModelSiteAsync();
        var agentId = await site.CreateAgentAsync("editor", "Bea");
        site.Model.Responder = request => FakeChatReply.Text(request.LastUser.Contains("cats", StringComparison.Ordinal)
            ? "Two cats sounds like a lively home." : "Let me guess: Pepper and Salt?");
        var page = await app.NewPageAsync(site: site.BaseAddress);
        await PageSteps.SignInAsync(page, "/", "editor");
        var reply = await PageSteps.SendAsync(page, "I have two cats.");
        await Expect(TextOf(reply)).ToHaveTextAsync("Two cats sounds like a lively home.");

        var mine = PageSteps.Messages(page).Locator("li.mine").Last;
        await mine.GetByRole(AriaRole.Button, new() { Name = "Edit your message" }).ClickAsync();
        var form = mine.GetByRole(AriaRole.Form, new() { Name = "Edit your message" });
        var box = form.GetByRole(AriaRole.Textbox, new() { Name = "Message text" });
        await Expect(box).ToBeFocusedAsync();
        await Expect(box).ToHaveValueAsync("I have two cats.");
        await box.FillAsync("I have three cats.");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(TextOf(mine)).ToHaveTextAsync("I have three cats.");
        await Expect(form).ToHaveCountAsync(0);

        // Escape gives up an edit; Ctrl+Enter saves one.
        var editReply = reply.GetByRole(AriaRole.Button, new() { Name = "Edit this reply from Bea" });
        await editReply.ClickAsync();
        var replyBox = reply.GetByRole(AriaRole.Textbox, new() { Name = "Message text" });
        await replyBox.FillAsync("Something I never said.");
        await page.Keyboard.PressAsync("Escape");
        await Expect(replyBox).ToHaveCountAsync(0);
        await Expect(TextOf(reply)).ToHaveTextAsync("Two cats sounds like a lively home.");
        await Expect(editReply).ToBeFocusedAsync();
        await editReply.ClickAsync();
        await replyBox.FillAsync("Three cats! That must be a lively home.");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(TextOf(reply)).ToHaveTextAsync("Three cats! That must be a lively home.");
        await Screenshots.SaveAsync(page, "chat-edited");

        var stored = await site.Api("editor").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=2");
        Assert.Equal(["Three cats! That must be a lively home.", "I have three cats."],
            stored.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToList());

        // The conversation the model reads next is the edited one (memory may still be catching up in the system prompt).
        await PageSteps.SendAsync(page, "Guess their names.");
        var sent = Assert.Single(site.RequestsAbout("Guess their names."));
        var history = sent.Messages.Where(m => m.Role != "system").ToList();
        Assert.Contains(history, m => m.Role == "user" && m.Content.Contains("I have three cats.", StringComparison.Ordinal));
        Assert.Contains(history, m => m.Role == "assistant" && m.Content.Contains("Three cats! That must be a lively home.", StringComparison.Ordinal));
        Assert.DoesNotContain(history, m => m.Content.Contains("two cats", StringComparison.OrdinalIgnoreCase));

        await page.ReloadAsync();
        await Expect(TextOf(PageSteps.Messages(page).Locator("li.mine").First)).ToHaveTextAsync("I have three cats.");
    }

    [Fact]
    public async Task The_reply_details_show_the_exact_messages_sent_to_the_model_and_model_text_stays_text()
    {
        var site = await app.ModelSiteAsync();
        var agentId = await site.CreateAgentAsync("inspector", "Odo");
        const string Markup = "Use <b>brown</b> butter & <img src=x> a pinch of salt.";
        site.Model.Responder = request => FakeChatReply.Text(request.LastUser.Contains("recipe", StringComparison.Ordinal) ? Markup : "Hm?");
        var page = await app.NewPageAsync(site: site.BaseAddress);
        await PageSteps.SignInAsync(page, "/", "inspector");
        await PageSteps.SendAsync(page, "Warm-up: hello Odo.");
        var reply = await PageSteps.SendAsync(page, "What's your secret recipe?");

        await Expect(TextOf(reply)).ToHaveTextAsync(Markup);
        await Expect(reply.Locator(".text b, .text img")).ToHaveCountAsync(0);

        await reply.GetByRole(AriaRole.Button, new() { NameRegex = new("^Details of this reply") }).ClickAsync();
        var drawer = page.GetByRole(AriaRole.Complementary, new() { Name = "Reply details" });
        await Expect(drawer).ToContainTextAsync("fake-model");
        var prompt = drawer.GetByRole(AriaRole.List, new() { Name = "Prompt sent to the model" });
        var sent = Assert.Single(site.RequestsAbout("secret recipe"));
        await Expect(prompt.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(sent.Messages.Count);
        Assert.Equal(sent.Messages.Select(m => m.Content).ToList(), await prompt.Locator("pre").AllTextContentsAsync());
        await Expect(prompt.GetByRole(AriaRole.Listitem).First).ToContainTextAsync("System");
        await Expect(prompt.GetByRole(AriaRole.Listitem).Last).ToContainTextAsync("What's your secret recipe?");
        // The earlier turn's reply is in the prompt as the companion's line.
        Assert.Contains(sent.Messages, m => m.Role == "assistant" && m.Content == "Hm?");
        await Screenshots.SaveAsync(page, "chat-prompt", forDocs: true);

        var stored = await site.Api("inspector").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages/{await reply.GetAttributeAsync("data-id")}/prompt");
        Assert.Equal(sent.Messages.Select(m => m.Content).ToList(),
            stored.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToList());
        await page.Keyboard.PressAsync("Escape");
        await Expect(drawer).ToBeHiddenAsync();
    }
}
