using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Life.Tests;

/// <summary>Agent-initiated messages: opt-in, mute, delivery into the chat, the in-app unread count and the signed webhook.</summary>
public sealed class InitiationTests
{
    private const string Secret = "a-webhook-secret-for-tests-0123456789";

    private static Dictionary<string, string?> Eager => new()
    {
        ["Life:EventChance"] = "0.5",
        ["Life:InitiationChance"] = "1",
        ["AzureFunctionsJobHost:extensions:timers:enabled"] = "false",
    };

    [Fact]
    public async Task A_muted_agent_sends_nothing_and_unmuting_resumes_within_the_caps_with_chat_unread_count_and_signed_webhook()
    {
        var clock = new ManualTime(LifeTestKit.Start);
        await using var sink = await WebhookSink.StartAsync();
        await using var host = await LifeTestKit.CreateHostAsync(clock, Eager);
        var owner = await host.SetUpUserAsync("mia", "Europe/Berlin");
        var agent = await host.CreateAgentAsync("mia", new { name = "Kai", timezone = "Europe/Berlin" });
        var client = host.User("mia");
        var hook = await client.PutAsJsonAsync("/api/notifications/webhook", new { url = sink.UrlFor("/push").ToString(), secret = Secret });
        Assert.Equal(HttpStatusCode.OK, hook.StatusCode);

        // Not opted in: nothing is even planned.
        var sim = new Simulator(host, clock);
        await sim.RunAsync([(owner, agent)], LifeTestKit.Start, TimeSpan.FromDays(1));
        Assert.Empty(sim.Deliveries);
        Assert.Equal(0, await InitiationsAsync(host, agent));

        // Opted in but muted: still nothing.
        await host.EnableInitiationsAsync("mia", agent);
        Assert.True((await (await client.PostAsync($"/api/agents/{agent}/mute", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("muted").GetBoolean());
        await sim.RunAsync([(owner, agent)], LifeTestKit.Start.AddDays(1), TimeSpan.FromDays(1));
        Assert.Empty(sim.Deliveries);
        Assert.Equal(0, await InitiationsAsync(host, agent));

        // Unmuted: the agent plans; muting between plan and moment skips the delivery with the reason.
        await client.DeleteAsync($"/api/agents/{agent}/mute");
        var planned = await sim.PlanOneAsync(owner, agent, LifeTestKit.Start.AddDays(2).AddHours(8));
        await client.PostAsync($"/api/agents/{agent}/mute", null);
        clock.Now = planned.At;
        var skipped = await host.Services.GetRequiredService<LifeEngine>().DeliverAsync(owner, planned.Id, CancellationToken.None);
        Assert.False(skipped.Sent);
        Assert.Equal("the agent is muted", skipped.Reason);
        Assert.Equal(0, await host.ScalarAsync("select count(*) from chat.messages where agent_id = @agent", ("agent", Guid.Parse(agent))));

        // Unmuted for two days: messages resume, never more than two a day (Berlin days), each in chat, in-app and pushed.
        await client.DeleteAsync($"/api/agents/{agent}/mute");
        sim = new Simulator(host, clock);
        await sim.RunAsync([(owner, agent)], LifeTestKit.Start.AddDays(3), TimeSpan.FromDays(2));
        var sent = sim.Deliveries.Where(d => d.Result.Sent).ToList();
        Assert.InRange(sent.Count, 2, 4);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.All(sent.GroupBy(d => TimeZoneInfo.ConvertTime(d.At, berlin).Date), day => Assert.True(day.Count() <= 2));

        var messages = await client.GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/messages?limit=100");
        var chat = messages.GetProperty("items").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("text").GetString());
        Assert.All(sent, d => Assert.True(chat.ContainsKey(d.Result.MessageId!), "the initiated message is in the chat"));

        var unread = await client.GetFromJsonAsync<JsonElement>("/api/notifications/unread");
        Assert.Equal(sent.Count, unread.GetProperty("unreadCount").GetInt32());
        var notifications = await client.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.Equal(sent.Select(d => d.Result.MessageId).Order(), notifications.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("messageId").GetString()).Order());

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await sink.WaitForAsync(sent.Count, cts.Token);
        // Once each, though the simulated days move the runtime's clock past the push jobs' leases (they are rescued
        // and run again while the first run may still be sending).
        Assert.Equal(sent.Count, sink.Received.Count);
        Assert.Equal(sent.Count, sink.Received.Select(p => p.Header("X-Hearth-Delivery")).Distinct().Count());
        foreach (var push in sink.Received)
        {
            var timestamp = long.Parse(push.Header(WebhookSignature.TimestampHeader)!, CultureInfo.InvariantCulture);
            Assert.True(WebhookSignature.Verify(Secret, timestamp, push.BodyText, push.Header(WebhookSignature.SignatureHeader)), "the push is signed with the user's secret");
            Assert.False(WebhookSignature.Verify("another-secret-entirely-000000", timestamp, push.BodyText, push.Header(WebhookSignature.SignatureHeader)));
            var body = JsonDocument.Parse(push.BodyText).RootElement;
            Assert.Equal("Kai", body.GetProperty("agentName").GetString());
            Assert.Equal(chat[body.GetProperty("messageId").GetString()!], body.GetProperty("text").GetString());
        }

        var read = await client.PostAsJsonAsync("/api/notifications/read", new { });
        Assert.Equal(0, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unreadCount").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("stranger").GetAsync("/api/notifications/webhook")).StatusCode);
        Assert.Equal(0, (await host.User("stranger").GetFromJsonAsync<JsonElement>("/api/notifications")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_planned_message_is_skipped_when_the_user_wrote_in_the_meantime_and_webhook_urls_are_checked()
    {
        var clock = new ManualTime(LifeTestKit.Start.AddDays(10));
        await using var host = await LifeTestKit.CreateHostAsync(clock, Eager);
        var owner = await host.SetUpUserAsync("leo", "UTC");
        var agent = await host.CreateAgentAsync("leo", new { name = "Ivy", timezone = "UTC" });
        await host.EnableInitiationsAsync("leo", agent);
        var sim = new Simulator(host, clock);
        var planned = await sim.PlanOneAsync(owner, agent, LifeTestKit.Start.AddDays(10).AddHours(9));

        clock.Now = planned.At.AddMinutes(-1);
        var reply = await host.User("leo").PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "hey, how are you?" });
        Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
        clock.Now = planned.At;
        var result = await host.Services.GetRequiredService<LifeEngine>().DeliverAsync(owner, planned.Id, CancellationToken.None);
        Assert.False(result.Sent);
        Assert.StartsWith("the user wrote less than 4 h ago", result.Reason);
        var listed = await host.User("leo").GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/initiations");
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == planned.Id);
        Assert.Equal("skipped", item.GetProperty("status").GetString());
        Assert.Equal(result.Reason, item.GetProperty("reason").GetString());

        var bad = await host.User("leo").PutAsJsonAsync("/api/notifications/webhook", new { url = "ftp://example.com/x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var weak = await host.User("leo").PutAsJsonAsync("/api/notifications/webhook", new { url = "https://example.com/x", secret = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var generated = await host.User("leo").PutAsJsonAsync("/api/notifications/webhook", new { url = "https://example.com/x" });
        Assert.True((await generated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!.Length >= 32);
        var shown = await host.User("leo").GetStringAsync("/api/notifications/webhook");
        Assert.DoesNotContain("secret", shown);
    }

    [Fact]
    public async Task A_plan_never_delivered_expires_an_hour_after_its_moment_and_stops_blocking_new_plans()
    {
        var clock = new ManualTime(LifeTestKit.Start.AddDays(20));
        await using var host = await LifeTestKit.CreateHostAsync(clock, Eager);
        var owner = await host.SetUpUserAsync("eve", "UTC");
        var agent = await host.CreateAgentAsync("eve", new { name = "Oz", timezone = "UTC" });
        await host.EnableInitiationsAsync("eve", agent);

        // Nobody delivers (as if the orchestration had failed): the first plan blocks others until it expires.
        var sim = new Simulator(host, clock);
        await sim.RunAsync([(owner, agent)], LifeTestKit.Start.AddDays(20).AddHours(9), TimeSpan.FromHours(10), deliver: false);
        var rows = await host.QueryAsync("select status, reason, send_at from life.initiations where agent_id = @agent order by planned_at",
            r => (Status: r.GetString(0), Reason: r.IsDBNull(1) ? null : r.GetString(1), SendAt: r.GetFieldValue<DateTimeOffset>(2)), ("agent", Guid.Parse(agent)));
        Assert.True(rows.Count >= 2, $"{rows.Count} plans");
        Assert.Equal("not delivered within an hour of its moment", rows[0].Reason);
        Assert.InRange(rows.Count(r => r.Status == "planned"), 0, 1);
        Assert.All(rows.SkipLast(1), r => Assert.Equal("not delivered within an hour of its moment", r.Reason));
        for (var i = 1; i < rows.Count; i++) Assert.True(rows[i].SendAt > rows[i - 1].SendAt + TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task A_push_whose_job_runs_again_reaches_the_webhook_once_and_a_failed_push_is_sent_again()
    {
        var clock = new ManualTime(LifeTestKit.Start.AddDays(30));
        await using var sink = await WebhookSink.StartAsync();
        await using var host = await LifeTestKit.CreateHostAsync(clock, Eager);
        var owner = await host.SetUpUserAsync("ada", "UTC");
        var agent = await host.CreateAgentAsync("ada", new { name = "Noa", timezone = "UTC", availability = Array.Empty<object>() });
        await host.EnableInitiationsAsync("ada", agent, new { enabled = true, quietFrom = "00:00", quietTo = "00:00", minGapMinutes = 0 });

        var delivered = await host.DeliverInitiationAsync(owner, agent, clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await host.User("ada").PutAsJsonAsync("/api/notifications/webhook", new { url = sink.UrlFor("/push").ToString(), secret = Secret })).StatusCode);
        var push = new WebhookPush(owner, delivered.NotificationId!);
        var sender = host.Services.GetRequiredService<WebhookSender>();

        // The webhook fails: the push is not counted as sent.
        sink.ResponseStatus = 500;
        await Assert.ThrowsAsync<HttpRequestException>(() => sender.SendAsync(push, CancellationToken.None));

        // Two runs at once (a rescued lease beside the slow first run), then a third (a retry after a lost acknowledgement).
        sink.ResponseStatus = 200;
        await Task.WhenAll(sender.SendAsync(push, CancellationToken.None), sender.SendAsync(push, CancellationToken.None));
        await sender.SendAsync(push, CancellationToken.None);

        Assert.Equal(2, sink.Received.Count);   // the failed one, and one that arrived
        Assert.All(sink.Received, p => Assert.Equal(delivered.NotificationId, p.Header("X-Hearth-Delivery")));
    }

    private static Task<long> InitiationsAsync(HearthFactory host, string agent) =>
        host.ScalarAsync("select count(*) from life.initiations where agent_id = @agent", ("agent", Guid.Parse(agent)));
}
