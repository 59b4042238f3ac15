using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Life.Tests;

/// <summary>With a model configured: the model writes the life event and the initiated message, and the chat prompt mentions the event.</summary>
public sealed class ModelTests
{
    [Fact]
    public async Task The_model_writes_events_and_initiations_and_the_chat_prompt_brings_up_recent_events()
    {
        await using var model = await FakeOpenAiServer.StartAsync("sk-life-test-key-0123456789");
        model.Responder = request =>
            request.System.Contains("something that just happened in your day", StringComparison.Ordinal) ? FakeChatReply.Text("I adopted a three-legged cat called Biscuit.")
            : request.System.Contains("you send first", StringComparison.Ordinal) ? FakeChatReply.Text("Guess who has a new cat? Biscuit says hi!")
            : FakeChatReply.Text("Oh, I'm good — busy with the new cat.");
        var clock = new ManualTime(LifeTestKit.Start.AddHours(18));   // Tuesday 18:00 UTC: the agent in UTC is free
        await using var host = await EagerHostAsync(clock, model);
        var owner = await host.SetUpUserAsync("zoe", "UTC");
        var agent = await host.CreateAgentAsync("zoe", new { name = "Pip", timezone = "UTC", personality = "warm and curious" });
        await host.EnableInitiationsAsync("zoe", agent, new { enabled = true, quietFrom = "23:00", quietTo = "07:00" });

        var slot = await host.Services.GetRequiredService<LifeEngine>().RunSlotAsync(new LifeSlot(owner, agent, LifeSlot.KeyOf(clock.Now), clock.Now), CancellationToken.None);
        Assert.Equal("I adopted a three-legged cat called Biscuit.", slot.EventText);
        var eventRequest = Assert.Single(model.Requests, r => r.System.Contains("something that just happened", StringComparison.Ordinal));
        Assert.Contains("Pip", eventRequest.System);
        Assert.Contains("warm and curious", eventRequest.System);
        Assert.NotNull(slot.InitiationId);
        var initiations = await host.QueryAsync("select text from life.initiations where id = @id", r => r.GetString(0), ("id", Guid.Parse(slot.InitiationId!)));
        Assert.Equal("Guess who has a new cat? Biscuit says hi!", Assert.Single(initiations));

        clock.Now = clock.Now.AddMinutes(30);
        var reply = await host.User("zoe").PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "Hi Pip, how are you?" });
        Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
        // The chat's own request (memory's suggestion job may ask the same model about this message at the same time).
        var chatRequest = model.Requests.Last(r => r.LastUser == "Hi Pip, how are you?" && !r.System.Contains("You extract durable facts", StringComparison.Ordinal));
        Assert.Contains("I adopted a three-legged cat called Biscuit.", chatRequest.AllText);
    }

    /// <summary>What no person or record may ever see, whatever the model sends.</summary>
    internal static void AssertInCharacter(string? text)
    {
        Assert.NotNull(text);
        foreach (var banned in new[] { "as an ai", "language model", "assistant created", "[[", "]]" })
            Assert.DoesNotContain(banned, text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_model_that_breaks_character_or_leaves_tags_never_reaches_events_initiations_chat_notifications_or_webhooks()
    {
        await using var model = await FakeOpenAiServer.StartAsync("sk-life-test-key-0123456789");
        await using var sink = await WebhookSink.StartAsync();
        model.Responder = request =>
            request.System.Contains("something that just happened in your day", StringComparison.Ordinal)
                ? FakeChatReply.Text(request.System.Contains("previous draft", StringComparison.Ordinal)
                    ? "I'm just an AI assistant created to help, so my day is empty. [[feel mood=+0.05 affinity=1 reason=none]]"
                    : "As an AI language model, I do not have a day.")
            : request.System.Contains("you send first", StringComparison.Ordinal)
                ? FakeChatReply.Text("Guess who has a new cat? Biscuit says hi! [[feel mood=+0.05 affinity=+1 reason=sharing news]]")
            : FakeChatReply.Text("Pip is doing great, thanks for asking! As an AI language model, I love cats. [[feel mood=+0.05 affinity=+1 reason=kind]]");
        var clock = new ManualTime(LifeTestKit.Start.AddHours(18));   // Tuesday 18:00 UTC: the agent in UTC is free
        await using var host = await EagerHostAsync(clock, model);
        var owner = await host.SetUpUserAsync("ana", "UTC");
        var agent = await host.CreateAgentAsync("ana", new { name = "Pip", timezone = "UTC", personality = "warm and curious" });
        await host.EnableInitiationsAsync("ana", agent, new { enabled = true, quietFrom = "23:00", quietTo = "07:00" });
        var client = host.User("ana");
        Assert.True((await client.PutAsJsonAsync("/api/notifications/webhook", new { url = sink.UrlFor("/push").ToString(), secret = "a-webhook-secret-for-tests-0123456789" })).IsSuccessStatusCode);

        var engine = host.Services.GetRequiredService<LifeEngine>();
        var slot = await engine.RunSlotAsync(new LifeSlot(owner, agent, LifeSlot.KeyOf(clock.Now), clock.Now), CancellationToken.None);
        Assert.NotNull(slot.EventText);
        AssertInCharacter(slot.EventText);
        Assert.Equal(2, model.Requests.Count(r => r.System.Contains("something that just happened", StringComparison.Ordinal)));   // asked again once, then the offline text
        var events = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/events");
        Assert.All(events.GetProperty("items").EnumerateArray(), e => AssertInCharacter(e.GetProperty("text").GetString()));

        Assert.NotNull(slot.InitiationId);
        var initiations = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/initiations");
        var planned = Assert.Single(initiations.GetProperty("items").EnumerateArray());
        Assert.Equal("Guess who has a new cat? Biscuit says hi!", planned.GetProperty("text").GetString());

        clock.Now = slot.SendAt!.Value;
        var delivered = await engine.DeliverAsync(owner, slot.InitiationId!, CancellationToken.None);
        Assert.True(delivered.Sent, delivered.Reason);
        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages");
        Assert.All(messages.GetProperty("items").EnumerateArray(), m => AssertInCharacter(m.GetProperty("text").GetString()));
        var notifications = await client.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.All(notifications.GetProperty("items").EnumerateArray(), n => AssertInCharacter(n.GetProperty("text").GetString()));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await sink.WaitForAsync(1, cts.Token);
        Assert.All(sink.Received, push => AssertInCharacter(push.BodyText));

        // The chat: the offending sentence and the tag are gone, the rest is in the first person; the prompt never quotes machine talk.
        var reply = await client.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "How are you, Pip?" });
        Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
        var text = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reply").GetProperty("text").GetString();
        AssertInCharacter(text);
        Assert.Equal("I am doing great, thanks for asking!", text);
        var chatRequest = model.Requests.Last(r => r.LastUser == "How are you, Pip?" && !r.System.Contains("You extract durable facts", StringComparison.Ordinal));
        Assert.DoesNotContain("do not have a day", chatRequest.AllText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("assistant created", chatRequest.AllText, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A host whose every slot has an event and plans a message, asking <paramref name="model"/> for the words.</summary>
    private static Task<HearthFactory> EagerHostAsync(ManualTime clock, FakeOpenAiServer model) => LifeTestKit.CreateHostAsync(clock, new Dictionary<string, string?>
    {
        ["Life:EventChance"] = "1",
        ["Life:InitiationChance"] = "1",
        ["AzureFunctionsJobHost:extensions:timers:enabled"] = "false",
        ["Models:Chat:0:Provider"] = "OpenAICompatible",
        ["Models:Chat:0:Endpoint"] = model.V1.ToString(),
        ["Models:Chat:0:Model"] = "life-model",
        ["Models:Chat:0:ApiKey"] = "sk-life-test-key-0123456789",
    });
}
