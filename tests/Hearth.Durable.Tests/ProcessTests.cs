using Hearth.Durable.Jobs;
using Hearth.Testing;
using Xunit.Abstractions;

namespace Hearth.Durable.Tests;

/// <summary>Real host processes: crashes (SIGKILL), graceful stops (SIGTERM), several hosts on one database.</summary>
[Collection("processes")]
public sealed class ProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private sealed record Probe(string Key, int SleepMs, int? FirstAttemptSleepMs = null);

    /// <summary>An enqueue-only client on the probes' database (runs no jobs itself).</summary>
    private static Task<DurableHarness> ClientAsync(ProbeHosts hosts) =>
        DurableHarness.StartAsync(hosts.ConnectionString, _ => { }, o => { o.RunWorkers = false; o.RunTimers = false; });

    [Fact]
    public async Task A_host_killed_in_the_middle_of_a_job_loses_nothing_another_host_completes_it_after_the_lease_expires()
    {
        await using var hosts = await ProbeHosts.CreateAsync();
        var a = await hosts.StartAsync("host-a", ("PROBE_LEASE_MS", "2000"));
        await using var client = await ClientAsync(hosts);
        var id = (await client.Jobs.EnqueueAsync("probe", new Probe("crash-me", 0, FirstAttemptSleepMs: 600_000)))!.Value;
        await Eventually.TrueAsync(async () => await hosts.CountAsync("select count(*) from probe.started where key = 'crash-me'") == 1, Wait, "host A to start the job");

        a.Kill();
        await hosts.StartAsync("host-b", ("PROBE_LEASE_MS", "2000"));

        var job = await Eventually.ValueAsync(() => client.Jobs.GetAsync(id), j => j!.State == JobState.Succeeded, Wait, "host B to complete the job");
        Assert.Equal(2, job!.Attempt);
        Assert.Equal(1, await hosts.CountAsync("select count(*) from probe.finished where key = 'crash-me'"));
        Assert.Equal(1, await hosts.CountAsync("select count(*) from probe.finished where key = 'crash-me' and worker = 'host-b'"));
    }

    [Fact]
    public async Task Two_host_processes_on_one_database_drain_10000_jobs_every_one_completes()
    {
        await using var hosts = await ProbeHosts.CreateAsync();
        // Nothing is killed here: a production-length lease, so a host starved of CPU on a busy machine is not
        // mistaken for a dead one (the kill tests use 2 s leases on purpose).
        var lease = ("PROBE_LEASE_MS", "30000");
        await hosts.StartAsync("host-a", lease);
        await hosts.StartAsync("host-b", lease);
        await using var client = await ClientAsync(hosts);

        const int total = 10_000;
        for (var batch = 0; batch < total / 1000; batch++)
            await client.Jobs.EnqueueManyAsync(Enumerable.Range(batch * 1000, 1000).Select(i => new JobRequest("probe", new Probe($"k{i}", 0))).ToList());

        await Eventually.TrueAsync(async () => await hosts.CountAsync("select count(*) from durable.jobs where state = 'succeeded'") == total, Wait, "all jobs to succeed");
        var distinct = await hosts.CountAsync("select count(distinct key) from probe.finished");
        var executions = await hosts.CountAsync("select count(*) from probe.finished");
        var byA = await hosts.CountAsync("select count(*) from probe.finished where worker = 'host-a'");
        var rescued = await hosts.CountAsync("select count(*) from durable.jobs where attempt > 1");
        output.WriteLine($"{total} jobs: {executions} executions ({executions - distinct} duplicates, {rescued} rescued), host A ran {byA}, host B ran {executions - byA}");

        Assert.Equal(total, distinct);
        Assert.Equal(0, executions - distinct); // nothing was killed, so nothing may run twice
        Assert.Equal(0, rescued);
        Assert.InRange(byA, 1, total - 1); // both hosts took part
    }

    [Fact]
    public async Task Sigterm_drains_in_flight_jobs_within_the_drain_timeout()
    {
        await using var hosts = await ProbeHosts.CreateAsync();
        var a = await hosts.StartAsync("host-a", ("PROBE_DRAIN_MS", "20000"));
        await using var client = await ClientAsync(hosts);
        for (var i = 0; i < 4; i++) await client.Jobs.EnqueueAsync("probe", new Probe($"drain-{i}", 1500));
        await Eventually.TrueAsync(async () => await hosts.CountAsync("select count(*) from probe.started") == 4, Wait, "four jobs to start");

        a.Terminate();
        Assert.True(await a.WaitForExitAsync(TimeSpan.FromSeconds(25)), "host did not exit within the drain timeout");
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(4, await hosts.CountAsync("select count(*) from probe.finished"));
        Assert.Equal(4, await hosts.CountAsync("select count(*) from durable.jobs where state = 'succeeded'"));
    }

    [Fact]
    public async Task A_timer_every_second_on_two_hosts_runs_once_per_occurrence_and_once_with_IsPastDue_after_downtime()
    {
        await using var hosts = await ProbeHosts.CreateAsync();
        var tick = ("PROBE_TICK", "* * * * * *");
        // A host more than the past-due threshold late collapses missed occurrences into one catch-up run, by design;
        // 4 s keeps a CPU-starved host on a busy machine "on time", and the downtime below is well past it.
        var threshold = ("PROBE_PAST_DUE_MS", "4000");
        var a = await hosts.StartAsync("host-a", tick, threshold);
        var b = await hosts.StartAsync("host-b", tick, threshold);
        await Eventually.TrueAsync(async () => await hosts.CountAsync("select count(distinct occurrence) from probe.ticks") >= 10, Wait, "ten occurrences");

        a.Terminate();
        b.Terminate();
        Assert.True(await a.WaitForExitAsync(Wait));
        Assert.True(await b.WaitForExitAsync(Wait));
        var duplicates = await hosts.CountAsync("select count(*) from (select occurrence from probe.ticks group by occurrence having count(*) > 1) d");
        var span = await hosts.CountAsync("select extract(epoch from max(occurrence) - min(occurrence))::bigint + 1 from probe.ticks");
        var runs = await hosts.CountAsync("select count(*) from probe.ticks");
        var workers = await hosts.CountAsync("select count(distinct worker) from probe.ticks");
        // A skipped occurrence is one a host was too late for: the run just before the gap says so (IsPastDue), and a
        // past-due run is followed by a gap (it stood for what it skipped). On a quiet machine there are none; a host
        // starved for more than the threshold makes one, by design.
        const string gaps = """
            select count(*) from (
              select past_due, lead(occurrence) over (order by occurrence) - occurrence as step from probe.ticks) t
             where {0}
            """;
        var unexplainedGaps = await hosts.CountAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, gaps, "step > interval '1 second' and not past_due"));
        var pastDueWithoutGap = await hosts.CountAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, gaps, "past_due and step = interval '1 second'"));
        var pastDueBefore = await hosts.CountAsync("select count(*) from probe.ticks where past_due");
        output.WriteLine($"{runs} runs over {span} occurrences, {duplicates} duplicated, {pastDueBefore} past due, fired by {workers} hosts");
        Assert.Equal(0, duplicates);
        Assert.Equal(0, unexplainedGaps);
        Assert.Equal(0, pastDueWithoutGap);

        // Downtime well past the 4 s past-due threshold: several occurrences are missed.
        var lastBefore = await hosts.CountAsync("select count(*) from probe.ticks");
        await Task.Delay(TimeSpan.FromSeconds(7));
        var restart = DateTimeOffset.UtcNow;
        await hosts.StartAsync("host-c", tick, threshold);
        await Eventually.TrueAsync(async () => await hosts.CountAsync("select count(*) from probe.ticks where past_due") > pastDueBefore, Wait, "a past-due run");
        await Eventually.TrueAsync(async () => await hosts.CountAsync("select count(*) from probe.ticks where not past_due and worker = 'host-c'") >= 2, Wait, "normal runs to resume");

        Assert.Equal(pastDueBefore + 1, await hosts.CountAsync("select count(*) from probe.ticks where past_due"));
        // The catch-up is the only run for the missed occurrences: nothing else ran for times before the restart.
        Assert.Equal(1, await hosts.CountAsync("select count(*) from probe.ticks where worker = 'host-c' and occurrence < $1", restart));
        Assert.True(await hosts.CountAsync("select count(*) from probe.ticks") > lastBefore);
    }
}
