using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Companions;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;

namespace Hearth.Life.Tests;

/// <summary>The acceptance run: a simulated week of three agents in three time zones for users in two, in seconds.</summary>
public sealed class WeekSimulationTests
{
    private sealed record Sent(string Agent, string User, string UserZone, string AgentZone, DateTimeOffset At, string Topic, string Text, string MessageId);

    [Fact]
    public async Task A_week_never_exceeds_caps_never_sends_in_quiet_hours_or_asleep_never_repeats_a_topic_and_shows_every_message_in_chat_and_channel()
    {
        var clock = new ManualTime(LifeTestKit.Start);
        await using var sink = await WebhookSink.StartAsync();
        await using var host = await LifeTestKit.CreateHostAsync(clock, new Dictionary<string, string?>
        {
            // Eager, so the caps and gaps are what holds the agents back.
            ["Life:EventChance"] = "0.3",
            ["Life:InitiationChance"] = "0.9",
            ["AzureFunctionsJobHost:extensions:timers:enabled"] = "false",
        });
        var users = new Dictionary<string, (string Id, string Zone)>
        {
            ["alice"] = (await host.SetUpUserAsync("alice", "Europe/Berlin"), "Europe/Berlin"),
            ["bob"] = (await host.SetUpUserAsync("bob", "America/New_York"), "America/New_York"),
        };
        var agents = new List<(string Id, string User, string Zone)>
        {
            (await host.CreateAgentAsync("alice", new { name = "Mara", timezone = "Asia/Tokyo", homeCity = "Tokyo" }), "alice", "Asia/Tokyo"),
            (await host.CreateAgentAsync("alice", new { name = "Liam", timezone = "Europe/London", occupation = "nurse" }), "alice", "Europe/London"),
            (await host.CreateAgentAsync("bob", new { name = "Rosa", timezone = "America/Los_Angeles" }), "bob", "America/Los_Angeles"),
        };
        foreach (var agent in agents)
        {
            await host.EnableInitiationsAsync(agent.User, agent.Id);
            var hook = await host.User(agent.User).PutAsJsonAsync("/api/notifications/webhook", new { url = sink.UrlFor($"/{agent.User}").ToString(), secret = $"secret-of-{agent.User}-0123456789" });
            hook.EnsureSuccessStatusCode();
        }

        // Users write now and then: alice at 19:30 Berlin on weekdays to Liam, bob at 12:30 New York every other day to Rosa.
        var userMessages = new List<(string Agent, DateTimeOffset At)>();
        async Task UsersWriteAsync(DateTimeOffset at)
        {
            var berlin = Local(at, "Europe/Berlin");
            if (berlin is { Hour: 19, Minute: 30 } && berlin.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                await ChatAsync("alice", agents[1].Id, "Home at last. How was your day?", at);
            var newYork = Local(at, "America/New_York");
            if (newYork is { Hour: 12, Minute: 30 } && newYork.Day % 2 == 0)
                await ChatAsync("bob", agents[2].Id, "Lunch break! What are you up to?", at);
        }
        async Task ChatAsync(string user, string agent, string text, DateTimeOffset at)
        {
            var response = await host.User(user).PostAsJsonAsync($"/api/agents/{agent}/chat", new { text });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            userMessages.Add((agent, at));
        }

        var sim = new Simulator(host, clock);
        await sim.RunAsync(agents.Select(a => (users[a.User].Id, a.Id)).ToList(), LifeTestKit.Start, TimeSpan.FromDays(7), UsersWriteAsync);

        var sent = new List<Sent>();
        foreach (var agent in agents)
        {
            var rows = await host.QueryAsync("select sent_at, topic, text, message_id from life.initiations where agent_id = @agent and status = 'sent' order by sent_at",
                r => new Sent(agent.Id, agent.User, users[agent.User].Zone, agent.Zone, r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), r.GetGuid(3).ToString()),
                ("agent", Guid.Parse(agent.Id)));
            sent.AddRange(rows);
        }
        Assert.Equal(sim.Deliveries.Count(d => d.Result.Sent), sent.Count);
        // The run means something only when the caps and rules had work to do.
        Assert.True(sent.Count >= 12, $"only {sent.Count} initiations in a week");
        Assert.Contains(sim.Slots, s => s.Note?.StartsWith("no initiation:", StringComparison.Ordinal) == true);

        foreach (var agent in agents)
        {
            var mine = sent.Where(s => s.Agent == agent.Id).ToList();
            Assert.NotEmpty(mine);
            // Caps: two per day of the user's calendar, seven in any seven days.
            Assert.All(mine.GroupBy(s => Local(s.At, s.UserZone).Date), day => Assert.True(day.Count() <= 2, $"{day.Count()} on {day.Key:d}"));
            Assert.All(mine, s => Assert.True(mine.Count(o => o.At > s.At - TimeSpan.FromDays(7) && o.At <= s.At) <= 7, "weekly cap"));
            // Never twice on one topic; never within 4 h of the previous one or of the user's last message.
            Assert.Equal(mine.Count, mine.Select(s => s.Topic).Distinct().Count());
            for (var i = 1; i < mine.Count; i++) Assert.True(mine[i].At - mine[i - 1].At >= TimeSpan.FromHours(4), "gap between initiations");
            Assert.All(mine, s => Assert.DoesNotContain(userMessages, u => u.Agent == agent.Id && u.At <= s.At && s.At - u.At < TimeSpan.FromHours(4)));
        }
        foreach (var s in sent)
        {
            var userTime = TimeOnly.FromDateTime(Local(s.At, s.UserZone));
            Assert.False(userTime >= new TimeOnly(22, 0) || userTime < new TimeOnly(8, 0), $"sent at {userTime} in {s.UserZone}");
            Assert.NotEqual(AvailabilityState.Asleep, WeeklyAvailability.Default.StateAt(Local(s.At, s.AgentZone)));
        }

        // Every initiation is in the chat, in the in-app notifications, and pushed (signed) to the user's webhook.
        foreach (var agent in agents)
        {
            var page = await host.User(agent.User).GetFromJsonAsync<JsonElement>($"/api/agents/{agent.Id}/messages?limit=100");
            var chat = page.GetProperty("items").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "agent")
                .ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("text").GetString());
            Assert.All(sent.Where(s => s.Agent == agent.Id), s => Assert.Equal(s.Text, chat[s.MessageId]));
        }
        foreach (var (name, (id, _)) in users)
        {
            var notifications = await host.User(name).GetFromJsonAsync<JsonElement>("/api/notifications?limit=200");
            Assert.Equal(sent.Count(s => s.User == name), notifications.GetProperty("unreadCount").GetInt32());
            Assert.Equal(sent.Where(s => s.User == name).Select(s => s.MessageId).Order(),
                notifications.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("messageId").GetString()!).Order());
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await sink.WaitForAsync(sent.Count, cts.Token);
        var pushed = sink.Received.Select(r =>
        {
            var user = r.Path.TrimStart('/');
            var timestamp = long.Parse(r.Header(WebhookSignature.TimestampHeader)!, CultureInfo.InvariantCulture);
            Assert.True(WebhookSignature.Verify($"secret-of-{user}-0123456789", timestamp, r.BodyText, r.Header(WebhookSignature.SignatureHeader)));
            return (User: user, MessageId: JsonDocument.Parse(r.BodyText).RootElement.GetProperty("messageId").GetString()!);
        }).ToList();
        Assert.Equal(sent.Select(s => (s.User, s.MessageId)).Order(), pushed.Order());
    }

    private static DateTime Local(DateTimeOffset at, string zone) => TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime;
}
