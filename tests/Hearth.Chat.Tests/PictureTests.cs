using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Companions;
using Hearth.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Chat.Tests;

/// <summary>Pictures asked for in chat: gating (affinity, daily cap, asleep), the job in the turn's transaction, delivery into the chat.</summary>
public sealed class PictureTests(OfflineChatHost host) : IClassFixture<OfflineChatHost>
{
    private async Task<(HttpClient Client, string UserId, string AgentId)> AgentAsync(string user, object? body = null)
    {
        var client = host.User(user);
        var userId = await host.UserIdAsync(user);
        var agent = await host.CreateAgentAsync(client, body ?? new { name = "Maya", timezone = "UTC" });
        return (client, userId, agent.GetProperty("id").GetString()!);
    }

    private async Task RaiseAffinityAsync(string userId, string agentId, double to)
    {
        var feelings = host.Factory.Services.GetRequiredService<IAgentFeelings>();
        var now = await feelings.ChangeAsync(userId, agentId, 0, "", 0, "", "test", null, null, default);
        await feelings.ChangeAsync(userId, agentId, 0, "", to - now!.Affinity, "test: set up", "test", null, null, default);
    }

    [Fact]
    public async Task Below_the_affinity_threshold_the_agent_refuses_in_persona_and_starts_no_job()
    {
        var (client, _, id) = await AgentAsync("pic-low");
        var before = host.Pictures.Started.Count(s => s.Request.AgentId == id);
        var turn = await host.ChatAsync(client, id, "send me a selfie!");
        Assert.Equal("affinity", turn.GetProperty("picture").GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, turn.GetProperty("imageJobId").ValueKind);
        Assert.Equal(before, host.Pictures.Started.Count(s => s.Request.AgentId == id));
        Assert.False(string.IsNullOrWhiteSpace(turn.GetProperty("reply").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Over_the_daily_cap_the_agent_refuses_and_starts_no_job()
    {
        var (client, userId, id) = await AgentAsync("pic-cap");
        await RaiseAffinityAsync(userId, id, 60);
        host.Pictures.CountToday = 3;
        try
        {
            var turn = await host.ChatAsync(client, id, "can I see a pic of you?");
            Assert.Equal("daily-cap", turn.GetProperty("picture").GetProperty("outcome").GetString());
            Assert.DoesNotContain(host.Pictures.Started, s => s.Request.AgentId == id);
            Assert.Equal(new DateTimeOffset(2025, 3, 4, 0, 0, 0, TimeSpan.Zero), host.Pictures.LastCountSince); // the user's (UTC) day
        }
        finally
        {
            host.Pictures.CountToday = 0;
        }
    }

    [Fact]
    public async Task An_asleep_agent_sends_no_picture()
    {
        var (client, userId, id) = await AgentAsync("pic-asleep", new
        {
            name = "Yuki", timezone = "UTC",
            availability = new[] { new { days = new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }, from = "00:00", to = "00:00", state = "Asleep" } },
        });
        await RaiseAffinityAsync(userId, id, 90);
        var turn = await host.ChatAsync(client, id, "show me a photo of you");
        Assert.Equal("asleep", turn.GetProperty("picture").GetProperty("outcome").GetString());
        Assert.DoesNotContain(host.Pictures.Started, s => s.Request.AgentId == id);
    }

    [Theory]
    [InlineData("Send me a selfie from the cafe!", "at the cafe")]
    [InlineData("can I see a pic of you?", null)]
    [InlineData("Send a pic pls", null)]
    [InlineData("show me a photo of you cooking dinner", "cooking dinner")]
    [InlineData("Could you take a picture at the beach at sunset for me?", "at the beach at sunset")]
    [InlineData("I wanna see a selfie of you with your cat", "with their cat")]
    [InlineData("omg send me a cute pic in your new red dress 😍", "in their new red dress")]
    [InlineData("what are you wearing today? send a pic", "showing today's outfit")]
    [InlineData("Long day. Can you send me a photo of you on the balcony with a glass of wine?", "on the balcony with a glass of wine")]
    [InlineData("snap a pic from the top of the mountain", "at the top of the mountain")]
    public void The_scene_is_extracted_from_the_request_never_pasted(string request, string? scene)
    {
        Assert.True(PictureRequests.IsPictureRequest(request));
        Assert.Equal(scene, PictureRequests.Scene(request));
    }

    [Fact]
    public async Task A_pictures_prompt_is_the_companions_look_the_scene_asked_for_and_its_current_scenario()
    {
        var (client, userId, id) = await AgentAsync("pic-prompt", new { name = "Leo", timezone = "UTC", appearancePrompt = "lanky man, round glasses, green scarf" });
        var scenario = await client.PostAsJsonAsync($"/api/agents/{id}/scenarios", new { title = "Moving house", description = "Boxes everywhere." });
        Assert.True(scenario.IsSuccessStatusCode, await scenario.Content.ReadAsStringAsync());

        var look = await host.Factory.Services.GetRequiredService<IAgentPortraits>().GetLookAsync(userId, id, default);
        Assert.Equal("Moving house: Boxes everywhere.", look!.Scenario);
        var prompt = Hearth.Functions.Pictures.SubmitPicture.Compose(look.AppearancePrompt!, PictureRequests.Scene("Send me a selfie from the cafe!"), look.Scenario, sameAsReference: true);
        Assert.Equal("The same person as in the reference photo (lanky man, round glasses, green scarf). Scene: at the cafe. Their life right now: Moving house: Boxes everywhere.", prompt);
        Assert.DoesNotContain("Send me", prompt, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_allowed_picture_starts_a_job_inside_the_turn_and_arrives_in_the_chat_once()
    {
        var (client, userId, id) = await AgentAsync("pic-ok");
        await RaiseAffinityAsync(userId, id, 45);
        var turn = await host.ChatAsync(client, id, "Send me a selfie from the beach?");
        var jobId = turn.GetProperty("imageJobId").GetString()!;
        Assert.Equal("started", turn.GetProperty("picture").GetProperty("outcome").GetString());
        var (request, inTransaction) = Assert.Single(host.Pictures.Started, s => s.Request.AgentId == id);
        Assert.True(inTransaction);
        Assert.Equal(PictureKind.Variation, request.Kind);
        Assert.Equal("at the beach", request.Prompt);   // the scene asked for, not the chat line
        Assert.Equal(userId, request.OwnerId);
        Assert.Equal(turn.GetProperty("sessionId").GetString(), request.SessionId);
        Assert.Equal(turn.GetProperty("userMessage").GetProperty("id").GetString(), request.RequestedByMessageId);
        Assert.Equal(1, await host.ScalarAsync("select count(*) from public.fake_picture_jobs where id = @id", ("id", jobId)));

        // The pictures feature delivers it; twice is once.
        var pictures = host.Factory.Services.GetRequiredService<IChatPictures>();
        var first = await pictures.PostPictureAsync(userId, id, request.SessionId, jobId, "media-123", "at the beach", default);
        var second = await pictures.PostPictureAsync(userId, id, request.SessionId, jobId, "media-123", "at the beach", default);
        Assert.Equal(first, second);
        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{id}/messages");
        var newest = messages.GetProperty("items")[0];
        Assert.Equal(first, newest.GetProperty("id").GetString());
        Assert.Equal("picture", newest.GetProperty("kind").GetString());
        Assert.Equal("media-123", newest.GetProperty("attachment").GetProperty("mediaId").GetString());
        Assert.Equal(jobId, newest.GetProperty("attachment").GetProperty("imageJobId").GetString());
        Assert.Equal(jobId, messages.GetProperty("items")[1].GetProperty("imageJobId").GetString()); // the reply that started it
    }

    [Fact]
    public async Task Creating_an_agent_with_an_appearance_prompt_starts_its_base_portrait_in_the_same_transaction()
    {
        var client = host.User("portrait");
        var agent = await host.CreateAgentAsync(client, new { name = "Ines", timezone = "Europe/Madrid", appearancePrompt = "curly hair, freckles, green coat" });
        var id = agent.GetProperty("id").GetString()!;
        var (request, inTransaction) = Assert.Single(host.Pictures.Started, s => s.Request.AgentId == id);
        Assert.True(inTransaction);
        Assert.Equal(PictureKind.BasePortrait, request.Kind);
        Assert.Equal("curly hair, freckles, green coat", request.Prompt);
        var portraitJob = agent.GetProperty("portraitJobId").GetString()!;
        Assert.Equal(1, await host.ScalarAsync("select count(*) from public.fake_picture_jobs where id = @id and agent = @a", ("id", portraitJob), ("a", id)));

        var changed = await (await client.PatchAsJsonAsync($"/api/agents/{id}", new { appearancePrompt = "short hair now, same freckles" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(changed.GetProperty("portraitJobId").GetString()));
        Assert.Contains(host.Pictures.Started, s => s.Request.AgentId == id && s.Request.Prompt == "short hair now, same freckles" && s.Request.Kind == PictureKind.BasePortrait);
        var unchanged = await (await client.PatchAsJsonAsync($"/api/agents/{id}", new { bio = "new bio" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, unchanged.GetProperty("portraitJobId").ValueKind);

        var portraits = host.Factory.Services.GetRequiredService<IAgentPortraits>();
        Assert.True(await portraits.SetBasePortraitAsync(await host.UserIdAsync("portrait"), id, "media-portrait", default));
        var look = await portraits.GetLookAsync(await host.UserIdAsync("portrait"), id, default);
        Assert.Equal(new AgentLook(id, "Ines", "short hair now, same freckles", "media-portrait"), look);
        Assert.Null(await portraits.GetLookAsync(Guid.NewGuid().ToString(), id, default));
    }
}
