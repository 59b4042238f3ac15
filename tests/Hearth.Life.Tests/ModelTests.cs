using System.Net.Http.Json;
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
        await using var host = await LifeTestKit.CreateHostAsync(clock, new Dictionary<string, string?>
        {
            ["Life:EventChance"] = "1",
            ["Life:InitiationChance"] = "1",
            ["AzureFunctionsJobHost:extensions:timers:enabled"] = "false",
            ["Models:Chat:0:Provider"] = "OpenAICompatible",
            ["Models:Chat:0:Endpoint"] = model.V1.ToString(),
            ["Models:Chat:0:Model"] = "life-model",
            ["Models:Chat:0:ApiKey"] = "sk-life-test-key-0123456789",
        });
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
}
