using System.Collections.Concurrent;
using Hearth.Durable.Jobs;
using Hearth.Testing;

namespace Hearth.Durable.Tests;

/// <summary>One owner's backlog cannot hold another owner's work back (issue 18): the fetch shares each batch between owners.</summary>
public sealed class FairShareTests
{
    private sealed record Message(string Owner, int N);

    [Fact]
    public async Task A_job_behind_another_owners_backlog_of_a_thousand_runs_in_the_first_batches_and_each_owner_keeps_its_order()
    {
        var ran = new ConcurrentQueue<Message>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await DurableHarness.StartAsync(await TestPostgres.CreateDatabaseAsync(),
            d => d.AddFunction<Message>("work", async (m, _, ct) =>
            {
                await gate.Task.WaitAsync(ct);   // nothing runs before the whole backlog is in
                ran.Enqueue(m);
            }), o => o.BatchSize = 16);

        // Mallory's thousand jobs first, then Alice's and Bob's, all due at once and committed together (Alice's and Bob's ids are the newest).
        var requests = Enumerable.Range(1, 1000).Select(i => new JobRequest("work", new Message("mallory", i), new EnqueueOptions { Owner = "mallory" }))
            .Append(new JobRequest("work", new Message("alice", 1), new EnqueueOptions { Owner = "alice" }))
            .Append(new JobRequest("work", new Message("bob", 1), new EnqueueOptions { Owner = "bob" }))
            .Append(new JobRequest("work", new Message("bob", 2), new EnqueueOptions { Owner = "bob" }))
            .ToList();
        Assert.Equal(requests.Count, await harness.Jobs.EnqueueManyAsync(requests));
        gate.SetResult();

        await Eventually.TrueAsync(() => Task.FromResult(ran.Count == requests.Count), TimeSpan.FromSeconds(60), "every job to run");
        // The order the queue took them in, from the jobs' rows: one fetch stamps its batch with one start time. (The order
        // the handlers happened to run in is the thread pool's, which a loaded machine shuffles.)
        var taken = new List<(string Owner, int N, DateTime Fetch)>();
        await using (var read = harness.Db.CreateCommand("select owner, (payload->>'n')::int, started_at from durable.jobs where queue = 'work' order by started_at, id"))
        await using (var rows = await read.ExecuteReaderAsync())
            while (await rows.ReadAsync()) taken.Add((rows.GetString(0), rows.GetInt32(1), rows.GetDateTime(2)));
        Assert.Equal(requests.Count, taken.Count);

        // Oldest first would take them 1001st-1003rd; a shared batch takes them in the first fetches (16 + 8 at a time).
        var alice = taken.Single(t => t.Owner == "alice").Fetch;
        var bob = taken.Single(t => t is { Owner: "bob", N: 2 }).Fetch;
        Assert.True(taken.Count(t => t.Fetch < alice) < 48, $"{taken.Count(t => t.Fetch < alice)} jobs were taken before alice's");
        Assert.True(taken.Count(t => t.Fetch < bob) < 48, $"{taken.Count(t => t.Fetch < bob)} jobs were taken before bob's second");
        // Within an owner, jobs are taken oldest first: no fetch takes one of mallory's jobs before an older one of hers.
        var mallory = taken.Where(t => t.Owner == "mallory").OrderBy(t => t.Fetch).ThenBy(t => t.N).Select(t => t.N).ToList();
        Assert.Equal(Enumerable.Range(1, 1000), mallory);
    }
}
