using Hearth.Durable.Orchestrations;
using Hearth.Functions.Life;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Life.Tests;

/// <summary>The life tick on the durable timer: one orchestration per agent and slot, across hosts and catch-up.</summary>
public sealed class TimerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_hosts_start_one_orchestration_per_agent_and_slot_and_an_hour_of_downtime_catches_up_once()
    {
        var clock = new ManualTime(LifeTestKit.Start.AddHours(10).AddMinutes(7));
        await using var first = await LifeTestKit.CreateHostAsync(clock);
        _ = first.Server;
        await using var second = await LifeTestKit.CreateHostAsync(clock, connectionString: first.ConnectionString);
        _ = second.Server;
        await first.SetUpUserAsync("ana", "Europe/Berlin");
        var agents = new[]
        {
            await first.CreateAgentAsync("ana", new { name = "Mara", timezone = "Asia/Tokyo" }),
            await first.CreateAgentAsync("ana", new { name = "Jules", timezone = "America/Los_Angeles" }),
        };

        // Both schedulers registered the tick for 10:15; at 10:15 exactly one run starts one instance per agent.
        await Eventually.TrueAsync(async () => await first.ScalarAsync("select count(*) from durable.schedules where name = 'life.tick' and next_run_at = @at",
            ("at", LifeTestKit.Start.AddHours(10).AddMinutes(15))) == 1, Patience, "the tick is scheduled for 10:15");
        clock.Now = LifeTestKit.Start.AddHours(10).AddMinutes(15);
        await WaitForQuietAsync(first, LifeTestKit.Start.AddHours(10).AddMinutes(30));
        Assert.Equal(2, await CountAsync(first));
        foreach (var agent in agents)
            Assert.Equal(1, await first.ScalarAsync("select count(*) from durabletask.instances where instance_id = @id", ("id", $"life:{agent}:20250304T1015Z")));

        // A second start of the same slot (any host, any retry) is the same instance.
        var again = await LifeTimer.StartAsync(second.Services.GetRequiredService<IOrchestrationClient>(),
            new LifeSlot("x", agents[0], "20250304T1015Z", clock.Now), CancellationToken.None);
        Assert.False(again.Created);
        Assert.Equal(2, await CountAsync(first));

        // Every host down for an hour: the four missed occurrences (10:30 … 11:15) become one catch-up slot, lived at now.
        clock.Now = LifeTestKit.Start.AddHours(11).AddMinutes(20);
        await WaitForQuietAsync(first, LifeTestKit.Start.AddHours(11).AddMinutes(30));
        Assert.Equal(4, await CountAsync(first));
        foreach (var agent in agents)
        {
            var slots = await first.QueryAsync("select instance_id, input::jsonb->>'at' from durabletask.instances where instance_id like @prefix order by instance_id",
                r => (r.GetString(0), r.GetString(1)), ("prefix", $"life:{agent}:%"));
            Assert.Equal([$"life:{agent}:20250304T1015Z", $"life:{agent}:20250304T1030Z"], slots.Select(s => s.Item1));
            Assert.Equal(clock.Now, DateTimeOffset.Parse(slots[1].Item2, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static Task<long> CountAsync(HearthFactory host) => host.ScalarAsync("select count(*) from durabletask.instances where instance_id like 'life:%'");

    /// <summary>Waits until the tick has moved on to <paramref name="next"/>, its run finished, and every slot it started completed.</summary>
    private static Task WaitForQuietAsync(HearthFactory host, DateTimeOffset next) =>
        Eventually.TrueAsync(async () =>
            await host.ScalarAsync("select count(*) from durable.schedules where name = 'life.tick' and next_run_at = @next", ("next", next)) == 1
            && await host.ScalarAsync("select count(*) from durable.jobs where queue = 'life.tick' and state in ('ready', 'running')") == 0
            && await host.ScalarAsync("select count(*) from durabletask.instances where instance_id like 'life:%' and status not in ('Completed')") == 0,
            Patience, $"the tick moved on to {next:HH:mm} and its slots completed");
}
