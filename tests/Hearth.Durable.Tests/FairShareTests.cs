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
        var order = ran.ToList();
        // Oldest first would run them at 1001-1003; a shared batch runs them among the first batches (16 + 8 may run at once).
        var alice = order.FindIndex(m => m.Owner == "alice");
        var bob = order.FindIndex(m => m is { Owner: "bob", N: 2 });
        Assert.True(alice < 48, $"alice's job ran {alice + 1}th");
        Assert.True(bob < 48, $"bob's second job ran {bob + 1}th");
        // Within an owner, jobs are still taken oldest first (the batch runs them concurrently, so allow one batch of slack).
        var mallory = order.Where(m => m.Owner == "mallory").Select(m => m.N).ToList();
        for (var i = 0; i < mallory.Count; i++) Assert.True(Math.Abs(mallory[i] - (i + 1)) <= 32, $"mallory's job {mallory[i]} ran at {i + 1}");
    }
}
