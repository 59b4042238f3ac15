using System.Collections.Concurrent;
using Hearth.Durable.Jobs;
using Hearth.Testing;

namespace Hearth.Durable.Tests;

/// <summary>
/// Every way of enqueueing wakes an idle worker by notification. Polling is set to a minute, so a job that runs within
/// the deadline was woken by a NOTIFY: after commit for a durable transaction, at commit for a raw one, right away
/// without a transaction.
/// </summary>
public sealed class WakeUpTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private sealed record Message(string Key);

    private static async Task<(DurableHarness Harness, ConcurrentDictionary<string, byte> Ran)> StartAsync()
    {
        var ran = new ConcurrentDictionary<string, byte>();
        var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("wake", (m, _, _) => { ran[m.Key] = 0; return Task.CompletedTask; }),
            o => o.MaxPollingInterval = TimeSpan.FromMinutes(1));
        // Let the worker reach its idle wait (its first fetch finds nothing).
        await Task.Delay(300);
        return (harness, ran);
    }

    [Fact]
    public async Task A_job_enqueued_in_a_durable_transaction_runs_once_it_commits()
    {
        var (harness, ran) = await StartAsync();
        await using var _ = harness;
        await using (var tx = await harness.Db.BeginDurableAsync())
        {
            await harness.Jobs.EnqueueAsync("wake", new Message("durable"), transaction: tx.Transaction);
            await tx.CommitAsync();
        }
        await Eventually.TrueAsync(() => Task.FromResult(ran.ContainsKey("durable")), Deadline, "the job to be woken after commit");
    }

    [Fact]
    public async Task A_job_enqueued_in_a_rolled_back_durable_transaction_never_runs()
    {
        var (harness, ran) = await StartAsync();
        await using var _ = harness;
        await using (var tx = await harness.Db.BeginDurableAsync())
        {
            await harness.Jobs.EnqueueAsync("wake", new Message("gone"), transaction: tx.Transaction);
            await tx.RollbackAsync();
        }
        await harness.Jobs.EnqueueAsync("wake", new Message("after"));
        await Eventually.TrueAsync(() => Task.FromResult(ran.ContainsKey("after")), Deadline, "the later job");
        Assert.False(ran.ContainsKey("gone"));
        Assert.Equal(0L, await harness.ScalarAsync<long>("select count(*) from durable.jobs where payload->>'key' = 'gone'"));
    }

    [Fact]
    public async Task A_job_enqueued_in_a_raw_transaction_wakes_the_worker_at_commit()
    {
        var (harness, ran) = await StartAsync();
        await using var _ = harness;
        await using (var connection = await harness.Db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await harness.Jobs.EnqueueAsync("wake", new Message("raw"), transaction: tx);
            await tx.CommitAsync();
        }
        await Eventually.TrueAsync(() => Task.FromResult(ran.ContainsKey("raw")), Deadline, "the job to be woken at commit");
    }

    [Fact]
    public async Task Jobs_enqueued_without_a_transaction_wake_the_worker()
    {
        var (harness, ran) = await StartAsync();
        await using var _ = harness;
        await harness.Jobs.EnqueueAsync("wake", new Message("single"));
        await Eventually.TrueAsync(() => Task.FromResult(ran.ContainsKey("single")), Deadline, "the single job");
        await harness.Jobs.EnqueueManyAsync([new JobRequest("wake", new Message("many-1")), new JobRequest("wake", new Message("many-2"))]);
        await Eventually.TrueAsync(() => Task.FromResult(ran.ContainsKey("many-1") && ran.ContainsKey("many-2")), Deadline, "the batch");
    }
}
