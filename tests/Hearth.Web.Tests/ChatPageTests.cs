namespace Hearth.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class ChatPageTests(WebApp app)
{
    [Fact]
    public async Task A_message_sent_with_the_keyboard_shows_the_stored_reply_with_who_answered()
    {
        var agentId = await app.CreateAgentAsync("sam", "Mia");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "sam");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mia" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Mood and affinity" })).ToContainTextAsync("Affinity:");

        var reply = await PageSteps.SendAsync(page, "Hi Mia! How was the market today?");

        // What the page shows is what the server stored as the reply.
        var stored = await app.Api("sam").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=2");
        var storedReply = stored.GetProperty("items").EnumerateArray().First(m => m.GetProperty("role").GetString() == "agent");
        Assert.False(string.IsNullOrWhiteSpace(storedReply.GetProperty("text").GetString()));
        await Expect(reply.Locator(".text")).ToHaveTextAsync(storedReply.GetProperty("text").GetString()!);
        await Expect(reply).ToContainTextAsync("offline model");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "is typing" })).ToBeHiddenAsync();

        // The drawer says plainly that the offline model answered and which memories the reply used.
        await reply.GetByRole(AriaRole.Button, new() { NameRegex = new("^Details of this reply") }).ClickAsync();
        var drawer = page.GetByRole(AriaRole.Complementary, new() { Name = "Reply details" });
        await Expect(drawer).ToBeVisibleAsync();
        await Expect(drawer).ToContainTextAsync("Offline model");
        await Expect(drawer.GetByRole(AriaRole.Heading, new() { Name = "Memories used" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "chat-reply");
        await page.Keyboard.PressAsync("Escape");
        await Expect(drawer).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Load_earlier_brings_older_pages_in_order_until_the_first_message()
    {
        var agentId = await app.CreateAgentAsync("lea", "Noor");
        var api = app.Api("lea");
        for (var i = 1; i <= 25; i++)
            (await api.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text = $"note number {i:00}", clientMessageId = $"seed-{i}" })).EnsureSuccessStatusCode();

        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "lea");
        var messages = PageSteps.Messages(page).Locator("li.message");
        await Expect(messages).ToHaveCountAsync(20);                      // the newest page: turns 16-25
        await Expect(messages.Last).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mine"));
        await Expect(messages.Nth(18)).ToContainTextAsync("note number 25"); // newest at the bottom
        Assert.DoesNotContain("note number 15", await PageSteps.Messages(page).Locator("li.mine .text").AllTextContentsAsync());

        var loadEarlier = page.GetByRole(AriaRole.Button, new() { Name = "Load earlier" });
        await loadEarlier.ClickAsync();
        await Expect(messages).ToHaveCountAsync(40);
        await Expect(messages.First).ToContainTextAsync("note number 06");
        await loadEarlier.ClickAsync();
        await Expect(messages).ToHaveCountAsync(50);
        await Expect(messages.First).ToContainTextAsync("note number 01");
        await Expect(loadEarlier).ToBeHiddenAsync();

        // Every message once, oldest first.
        var userTexts = await PageSteps.Messages(page).Locator("li.mine .text").AllTextContentsAsync();
        Assert.Equal(Enumerable.Range(1, 25).Select(i => $"note number {i:00}"), userTexts);
        await Screenshots.SaveAsync(page, "chat-load-earlier");
    }

    [Fact]
    public async Task A_reload_keeps_the_conversation_and_the_sign_in()
    {
        await app.CreateAgentAsync("rio", "Ana");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "rio");
        var reply = await PageSteps.SendAsync(page, "Remember the blue bicycle?");
        var replyText = await reply.Locator(".text").TextContentAsync();

        await page.ReloadAsync();

        await Expect(page.GetByLabel("Access token")).ToBeHiddenAsync();
        await Expect(PageSteps.Messages(page).Locator("li.mine")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Remember the blue bicycle\\?"));
        await Expect(PageSteps.Messages(page).Locator("li.theirs .text")).ToHaveTextAsync(replyText!);
        await Screenshots.SaveAsync(page, "chat-after-reload");
    }

    [Fact]
    public async Task Times_are_shown_in_the_users_time_zone()
    {
        var agentId = await app.CreateAgentAsync("tz", "Kai");
        (await app.Api("tz").PatchAsJsonAsync("/api/me", new { timeZone = "Pacific/Auckland" })).EnsureSuccessStatusCode();
        (await app.Api("tz").PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text = "Kia ora!" })).EnsureSuccessStatusCode();
        var stored = await app.Api("tz").GetFromJsonAsync<JsonElement>($"/api/agents/{agentId}/messages?limit=1");
        var createdAt = stored.GetProperty("items")[0].GetProperty("createdAt").GetDateTimeOffset();
        var auckland = TimeZoneInfo.ConvertTime(createdAt, TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland"));

        // The browser itself is in Lisbon: the page must use the user's zone, not the machine's.
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "tz");
        var time = PageSteps.Messages(page).Locator("li.theirs time").Last;
        await Expect(time).ToContainTextAsync(auckland.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(time).ToHaveAttributeAsync("datetime", new System.Text.RegularExpressions.Regex("Z$"));
    }

    [Fact]
    public async Task A_failed_send_shows_a_toast_and_keeps_the_text_to_retry()
    {
        var agentId = await app.CreateAgentAsync("oops", "Vera");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "oops");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Vera" })).ToBeVisibleAsync();
        (await app.Api("oops").DeleteAsync($"/api/agents/{agentId}")).EnsureSuccessStatusCode();

        await PageSteps.Composer(page).FillAsync("Are you still there?");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The agent was not found.");
        var failed = PageSteps.Messages(page).Locator("li.mine.failed");
        await Expect(failed).ToContainTextAsync("Not sent.");
        await failed.GetByRole(AriaRole.Button, new() { Name = "Edit and retry" }).ClickAsync();
        await Expect(PageSteps.Composer(page)).ToHaveValueAsync("Are you still there?");
        await Expect(PageSteps.Composer(page)).ToBeFocusedAsync();
        await Screenshots.SaveAsync(page, "chat-error-toast");
    }

    [Fact]
    public async Task A_picture_asked_for_in_chat_shows_its_status_then_the_image_on_a_phone()
    {
        await app.CreateAgentAsync("pia", "Luna", appearance: "late twenties, curly dark hair, green linen shirt");
        var page = await app.NewPageAsync(phone: true);
        await PageSteps.SignInAsync(page, "/", "pia");

        var reply = await PageSteps.SendAsync(page, "Can you send me a selfie?");

        var picture = reply.Locator("figure.picture");
        await Expect(picture).ToBeVisibleAsync();
        var image = picture.GetByRole(AriaRole.Img, new() { NameRegex = new("^Picture from Luna") });
        await Expect(image).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.True(await image.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the picture loaded");
        await Expect(picture).ToContainTextAsync("Placeholder picture");
        // Delivered as its own message later: shown once, on the reply that asked for it.
        await page.ReloadAsync();
        await Expect(PageSteps.Messages(page).Locator("figure.picture img")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Screenshots.SaveAsync(page, "chat-picture-phone", forDocs: true);

        // Nothing sticks out sideways on a phone.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scrolling on a phone");
    }
}
