using System.Collections.Concurrent;
using Hearth.Durable.Jobs;
using Hearth.Testing;

namespace Hearth.Durable.Tests;

public sealed class JobTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private sealed record Message(string Key);

    [Fact]
    public async Task A_job_enqueued_in_a_rolled_back_transaction_never_runs_and_a_committed_one_does()
    {
        var ran = new ConcurrentBag<string>();
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("record", (m, _, _) => { ran.Add(m.Key); return Task.CompletedTask; }));

        await using (var connection = await harness.Db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await harness.Jobs.EnqueueAsync("record", new Message("rolled-back"), transaction: tx);
            await tx.RollbackAsync();
        }
        await using (var connection = await harness.Db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await harness.Jobs.EnqueueAsync("record", new Message("committed"), transaction: tx);
            await tx.CommitAsync();
        }

        await Eventually.TrueAsync(() => Task.FromResult(ran.Contains("committed")), Wait, "the committed job to run");
        // The committed job ran after the rolled-back one was enqueued; had that one existed, it would be due too.
        Assert.Equal(0L, await harness.ScalarAsync<long>("select count(*) from durable.jobs where payload->>'key' = 'rolled-back'"));
        Assert.DoesNotContain("rolled-back", ran);
    }

    [Fact]
    public async Task A_failing_job_is_retried_by_its_policy_then_dead_with_its_error_and_an_admin_retry_runs_it_again()
    {
        var attempts = new ConcurrentQueue<(int Attempt, DateTimeOffset At)>();
        var healed = false;
        var policy = new RetryPolicy(3, TimeSpan.FromMilliseconds(200), BackoffCoefficient: 2, MaxRetryInterval: TimeSpan.FromSeconds(5));
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("flaky", (_, context, _) =>
            {
                attempts.Enqueue((context.Attempt, DateTimeOffset.UtcNow));
                return healed ? Task.CompletedTask : throw new InvalidOperationException($"boom on attempt {context.Attempt}");
            }, policy));

        var id = (await harness.Jobs.EnqueueAsync("flaky", new Message("x")))!.Value;
        var dead = await Eventually.ValueAsync(() => harness.Jobs.GetAsync(id), j => j!.State == JobState.Dead, Wait, "the job to be dead");

        Assert.Equal(3, dead!.Attempt);
        Assert.Equal("InvalidOperationException: boom on attempt 3", dead.LastError);
        var times = attempts.ToArray();
        Assert.Equal([1, 2, 3], times.Select(t => t.Attempt));
        // Backoff: ~200 ms then ~400 ms, each within the ±20 % jitter (lower bounds only: the machine may be slow).
        Assert.True(times[1].At - times[0].At >= TimeSpan.FromMilliseconds(160), $"first retry after {(times[1].At - times[0].At).TotalMilliseconds} ms");
        Assert.True(times[2].At - times[1].At >= TimeSpan.FromMilliseconds(320), $"second retry after {(times[2].At - times[1].At).TotalMilliseconds} ms");

        healed = true;
        Assert.Equal(JobActionResult.Done, await harness.Jobs.RetryAsync(id));
        var done = await Eventually.ValueAsync(() => harness.Jobs.GetAsync(id), j => j!.State == JobState.Succeeded, Wait, "the retried job to succeed");
        Assert.Equal(1, done!.Attempt);
        Assert.Equal(4, attempts.Count);
    }

    [Fact]
    public async Task A_permanent_failure_is_dead_at_once()
    {
        var calls = 0;
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("picky", (_, _, _) => { Interlocked.Increment(ref calls); throw new PermanentJobFailureException("bad input"); }));
        var id = (await harness.Jobs.EnqueueAsync("picky", new Message("x")))!.Value;
        var dead = await Eventually.ValueAsync(() => harness.Jobs.GetAsync(id), j => j!.State == JobState.Dead, Wait, "dead");
        Assert.Equal(1, calls);
        Assert.Contains("bad input", dead!.LastError);
    }

    [Fact]
    public async Task A_unique_key_deduplicates_while_the_job_is_unfinished_and_frees_when_it_finishes()
    {
        var gate = new TaskCompletionSource();
        var runs = 0;
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("once", async (_, _, ct) => { Interlocked.Increment(ref runs); await gate.Task.WaitAsync(ct); }));
        var options = new EnqueueOptions { UniqueKey = "k" };

        var first = await harness.Jobs.EnqueueAsync("once", new Message("a"), options);
        Assert.NotNull(first);
        Assert.Null(await harness.Jobs.EnqueueAsync("once", new Message("b"), options)); // ready: duplicate
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref runs) == 1), Wait, "the first to run");
        Assert.Null(await harness.Jobs.EnqueueAsync("once", new Message("c"), options)); // running: still a duplicate
        gate.SetResult();
        await Eventually.ValueAsync(() => harness.Jobs.GetAsync(first.Value), j => j!.State == JobState.Succeeded, Wait, "first done");
        Assert.NotNull(await harness.Jobs.EnqueueAsync("once", new Message("d"), options)); // finished: key free again
    }

    [Fact]
    public async Task A_function_that_runs_past_its_timeout_is_cancelled_and_counts_as_failed()
    {
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("slow", (_, _, ct) => Task.Delay(Timeout.Infinite, ct), RetryPolicy.None, timeout: TimeSpan.FromMilliseconds(200)));
        var id = (await harness.Jobs.EnqueueAsync("slow", new Message("x")))!.Value;
        var dead = await Eventually.ValueAsync(() => harness.Jobs.GetAsync(id), j => j!.State == JobState.Dead, Wait, "timed out job dead");
        Assert.StartsWith("Timed out after", dead!.LastError);
    }

    [Fact]
    public async Task A_scheduled_job_waits_for_its_time()
    {
        var ranAt = new TaskCompletionSource<DateTimeOffset>();
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("later", (_, _, _) => { ranAt.TrySetResult(DateTimeOffset.UtcNow); return Task.CompletedTask; }));
        var due = DateTimeOffset.UtcNow.AddMilliseconds(800);
        await harness.Jobs.EnqueueAsync("later", new Message("x"), new EnqueueOptions { RunAt = due });
        var at = await ranAt.Task.WaitAsync(Wait);
        Assert.True(at >= due, $"ran at {at:O}, due {due:O}");
    }

    [Fact]
    public async Task Cancelling_a_ready_job_keeps_it_from_running_and_listing_pages_through_every_job_once()
    {
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("never", (_, _, _) => Task.CompletedTask));
        var later = new EnqueueOptions { Delay = TimeSpan.FromHours(1) };
        var ids = new List<long>();
        for (var i = 0; i < 7; i++) ids.Add((await harness.Jobs.EnqueueAsync("never", new Message($"m{i}"), later))!.Value);

        Assert.Equal(JobActionResult.Done, await harness.Jobs.CancelAsync(ids[0]));
        Assert.Equal(JobState.Cancelled, (await harness.Jobs.GetAsync(ids[0]))!.State);
        Assert.Equal(JobActionResult.NotAllowed, await harness.Jobs.CancelAsync(ids[0]));
        Assert.Equal(JobActionResult.NotFound, await harness.Jobs.CancelAsync(999_999));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await harness.Jobs.ListAsync(new JobQuery(Queue: "never", Limit: 3, Cursor: cursor));
            seen.AddRange(page.Items.Select(j => j.Id));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(ids.Select(i => i.ToString()).OrderDescending(), seen);
        await Assert.ThrowsAsync<InvalidCursorException>(() => harness.Jobs.ListAsync(new JobQuery(Cursor: "not-a-cursor")));
    }

    [Fact]
    public async Task Graceful_stop_lets_running_jobs_finish()
    {
        var finished = 0;
        var started = 0;
        var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("work", async (_, _, _) =>
            {
                Interlocked.Increment(ref started);
                await Task.Delay(700, CancellationToken.None);
                Interlocked.Increment(ref finished);
            }));
        for (var i = 0; i < 5; i++) await harness.Jobs.EnqueueAsync("work", new Message($"w{i}"));
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref started) == 5), Wait, "all five to start");
        await harness.StopAsync();
        Assert.Equal(5, finished);
        Assert.Equal(5L, await harness.ScalarAsync<long>("select count(*) from durable.jobs where state = 'succeeded'"));
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task Jobs_cut_short_by_the_drain_timeout_are_handed_back_without_using_an_attempt()
    {
        var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("stuck", (_, _, ct) => Task.Delay(Timeout.Infinite, ct)),
            o => o.DrainTimeout = TimeSpan.FromMilliseconds(300));
        var id = (await harness.Jobs.EnqueueAsync("stuck", new Message("x")))!.Value;
        await Eventually.ValueAsync(() => harness.Jobs.GetAsync(id), j => j!.State == JobState.Running, Wait, "running");
        await harness.StopAsync();
        var job = await harness.Jobs.GetAsync(id);
        Assert.Equal(JobState.Ready, job!.State);
        Assert.Equal(0, job.Attempt);
        await harness.DisposeAsync();
    }
}
