using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Companions;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Life.Tests;

/// <summary>A host on a manual clock where something happens in every waking slot and nobody writes first; the tick timer is off.</summary>
public sealed class EventfulHost : DevelopmentHost
{
    public ManualTime Clock { get; } = new(LifeTestKit.Start);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:Chat:PermitLimit"] = "0",
        ["Chat:SummaryEveryTurns"] = "0",
        ["Life:EventChance"] = "1",
        ["Life:InitiationChance"] = "0",
        ["Life:MoodHalfLife"] = "06:00:00",
        ["Life:TemplateRepeatDays"] = "5",
        ["AzureFunctionsJobHost:extensions:timers:enabled"] = "false",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));

    public LifeEngine Engine => Factory.Services.GetRequiredService<LifeEngine>();

    public async Task<string> CreateAgentAsync(string user, object body)
    {
        var response = await User(user).PostAsJsonAsync("/api/agents", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Runs every 15-minute slot from <paramref name="from"/> for <paramref name="span"/>, the clock following.</summary>
    public async Task<List<SlotResult>> LiveAsync(string owner, string agent, DateTimeOffset from, TimeSpan span)
    {
        var results = new List<SlotResult>();
        for (var at = from; at < from + span; at += TimeSpan.FromMinutes(15))
        {
            Clock.Now = at;
            results.Add(await Engine.RunSlotAsync(new LifeSlot(owner, agent, LifeSlot.KeyOf(at), at), CancellationToken.None));
        }
        return results;
    }
}

/// <summary>Life events, mood drift, scenarios and the life admin API.</summary>
public sealed class LifeTests(EventfulHost host) : IClassFixture<EventfulHost>
{
    private static readonly object AlwaysAsleep = new[] { new { days = new[] { "mon", "tue", "wed", "thu", "fri", "sat", "sun" }, from = "00:00", to = "00:00", state = "asleep" } };

    [Fact]
    public async Task Mood_returns_toward_the_baseline_with_the_configured_half_life()
    {
        var owner = await host.UserIdAsync("drift");
        // Asleep all the time: nothing happens, so only the drift moves the mood.
        var agent = await host.CreateAgentAsync("drift", new { name = "Sleepy", timezone = "Europe/Paris", moodBaseline = 0.8, availability = AlwaysAsleep });
        var patch = await host.User("drift").PatchAsJsonAsync($"/api/agents/{agent}", new { moodBaseline = -0.2 });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var from = LifeTestKit.Start.AddDays(20);

        // Distance 1.0 at the first slot; 6 h (one half-life) later 0.5, 12 h later 0.25, whatever the slot length.
        await host.LiveAsync(owner, agent, from, TimeSpan.FromHours(6) + TimeSpan.FromMinutes(15));
        Assert.Equal(-0.2 + 0.5, await MoodAsync("drift", agent), 3);   // mood is stored rounded (4 places) at each step
        host.Clock.Now = from.AddHours(12);   // a long gap (no slots for 6 h) drifts as much as 24 small steps
        await host.Engine.RunSlotAsync(new LifeSlot(owner, agent, "gap", from.AddHours(12)), CancellationToken.None);
        Assert.Equal(-0.2 + 0.25, await MoodAsync("drift", agent), 3);

        var state = await host.User("drift").GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/state");
        var drifts = state.GetProperty("recentChanges").EnumerateArray().Where(c => c.GetProperty("source").GetString() == "drift").ToList();
        Assert.NotEmpty(drifts);
        Assert.All(drifts, d => Assert.Matches(@"^drifted toward its usual mood \(-0\.20\) over (?:\d+ min|\d+ h(?: \d+ min)?) \(half-life 6 h\)$", d.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Life_events_follow_availability_are_listed_and_never_repeat_a_template_within_the_window()
    {
        var owner = await host.UserIdAsync("events");
        var agent = await host.CreateAgentAsync("events", new { name = "Noor", timezone = "Asia/Tokyo", homeCity = "Osaka", occupation = "baker" });
        var results = await host.LiveAsync(owner, agent, LifeTestKit.Start, TimeSpan.FromDays(3));
        Assert.All(results, r => Assert.True(r.AgentExists));

        var events = await host.Factory.QueryAsync("select occurred_at, topic, text from companions.life_events where agent_id = @agent order by occurred_at",
            r => (At: r.GetFieldValue<DateTimeOffset>(0), Topic: r.GetString(1), Text: r.GetString(2)), ("agent", Guid.Parse(agent)));
        Assert.True(events.Count >= 20, $"only {events.Count} events in three days");
        var schedule = WeeklyAvailability.Default;
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        Assert.All(events, e => Assert.NotEqual(AvailabilityState.Asleep, schedule.StateAt(TimeZoneInfo.ConvertTime(e.At, tokyo).DateTime)));
        Assert.Contains(events, e => e.Text.Contains("Osaka") || e.Text.Contains("baker"));
        foreach (var group in events.GroupBy(e => e.Topic))
        {
            var times = group.Select(e => e.At).ToList();
            for (var i = 1; i < times.Count; i++) Assert.True(times[i] - times[i - 1] >= TimeSpan.FromDays(5), $"{group.Key} repeated within 5 days");
        }

        // Listed newest first by the events API, paged.
        var page = await host.User("events").GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/events?limit=5");
        var listed = page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("text").GetString()).ToList();
        Assert.Equal(events.AsEnumerable().Reverse().Take(5).Select(e => e.Text), listed);

        // Running a slot again changes nothing (an activity retry).
        var again = await host.Engine.RunSlotAsync(new LifeSlot(owner, agent, LifeSlot.KeyOf(LifeTestKit.Start.AddHours(3)), LifeTestKit.Start.AddHours(3)), CancellationToken.None);
        Assert.Equal(events.Count, await host.Factory.ScalarAsync("select count(*) from companions.life_events where agent_id = @agent", ("agent", Guid.Parse(agent))));
        Assert.Equal(results[12].EventId, again.EventId);
    }

    [Fact]
    public async Task Scenarios_are_patched_and_flavour_the_events_while_active()
    {
        var owner = await host.UserIdAsync("scen");
        var agent = await host.CreateAgentAsync("scen", new { name = "Ada", timezone = "UTC" });
        host.Clock.Now = LifeTestKit.Start.AddDays(40);
        var created = await host.User("scen").PostAsJsonAsync($"/api/agents/{agent}/scenarios", new { title = "Training for a marathon" });
        var scenario = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var renamed = await host.User("scen").PatchAsJsonAsync($"/api/agents/{agent}/scenarios/{scenario}", new { title = "Training for the Berlin marathon" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Training for the Berlin marathon", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        var bad = await host.User("scen").PatchAsJsonAsync($"/api/agents/{agent}/scenarios/{scenario}", new { startsAt = "2030-01-02T00:00:00Z", endsAt = "2030-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("scen").PatchAsJsonAsync($"/api/agents/{agent}/scenarios/{Guid.NewGuid()}", new { title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("someone-else").PatchAsJsonAsync($"/api/agents/{agent}/scenarios/{scenario}", new { title = "x" })).StatusCode);

        var results = await host.LiveAsync(owner, agent, host.Clock.Now, TimeSpan.FromDays(1));
        Assert.Contains(results, r => r.EventText?.Contains("the Berlin marathon") == true);

        var ended = await host.User("scen").PatchAsJsonAsync($"/api/agents/{agent}/scenarios/{scenario}", new { end = true });
        Assert.False((await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
        var after = await host.LiveAsync(owner, agent, host.Clock.Now.AddDays(6), TimeSpan.FromDays(1));
        Assert.DoesNotContain(after, r => r.EventText?.Contains("marathon") == true);
    }

    [Fact]
    public async Task A_tick_runs_a_slot_now_as_an_orchestration_and_answers_202_with_its_status_url()
    {
        var agent = await host.CreateAgentAsync("tick", new { name = "Tic", timezone = "UTC" });
        host.Clock.Now = LifeTestKit.Start.AddDays(60).AddHours(12);
        var response = await host.User("tick").PostAsync($"/api/agents/{agent}/life/tick", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var statusUrl = body.GetProperty("statusUrl").GetString()!;
        Assert.StartsWith($"life:{agent}:manual-", body.GetProperty("id").GetString());
        Assert.Equal(statusUrl, response.Headers.Location!.ToString());

        var status = await Eventually.ValueAsync(() => host.User("tick").GetFromJsonAsync<JsonElement>(statusUrl),
            s => s.GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(30), "the slot completes");
        Assert.False(string.IsNullOrEmpty(status.GetProperty("output").GetProperty("eventText").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("not-the-owner").PostAsync($"/api/agents/{agent}/life/tick", null)).StatusCode);
    }

    [Fact]
    public async Task Initiation_settings_are_opt_in_validated_and_owned()
    {
        var agent = await host.CreateAgentAsync("opt", new { name = "Opt", timezone = "UTC" });
        var settings = await host.User("opt").GetFromJsonAsync<JsonElement>($"/api/agents/{agent}/initiations/settings");
        Assert.False(settings.GetProperty("enabled").GetBoolean());
        Assert.Equal(2, settings.GetProperty("dailyCap").GetInt32());
        Assert.Equal(7, settings.GetProperty("weeklyCap").GetInt32());
        Assert.Equal("22:00", settings.GetProperty("quietFrom").GetString());
        Assert.Equal("08:00", settings.GetProperty("quietTo").GetString());
        Assert.Equal(240, settings.GetProperty("minGapMinutes").GetInt32());

        var bad = await host.User("opt").PatchAsJsonAsync($"/api/agents/{agent}/initiations/settings", new { dailyCap = -1, quietFrom = "25:00" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("dailyCap", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("quietFrom", out _));

        var changed = await host.User("opt").PatchAsJsonAsync($"/api/agents/{agent}/initiations/settings", new { enabled = true, dailyCap = 1 });
        var after = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(after.GetProperty("enabled").GetBoolean());
        Assert.Equal(1, after.GetProperty("dailyCap").GetInt32());
        Assert.Equal(7, after.GetProperty("weeklyCap").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("intruder").GetAsync($"/api/agents/{agent}/initiations/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("intruder").PostAsync($"/api/agents/{agent}/mute", null)).StatusCode);
    }

    private async Task<double> MoodAsync(string user, string agent) =>
        (await host.User(user).GetFromJsonAsync<JsonElement>($"/api/agents/{agent}")).GetProperty("mood").GetProperty("value").GetDouble();
}
