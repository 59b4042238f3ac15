using System.Collections.Concurrent;
using Microsoft.DurableTask;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>What the test activities did, shared with the test (the activities get it by constructor injection).</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, int> _runs = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _gated;

    public int Runs(string key) => _runs.GetValueOrDefault(key);
    public int TotalRuns => _runs.Values.Sum();
    public IReadOnlyDictionary<string, int> AllRuns => _runs;
    public int Ran(string key) => _runs.AddOrUpdate(key, 1, (_, n) => n + 1);

    /// <summary>How many gate activities have started and are waiting.</summary>
    public int Gated => Volatile.Read(ref _gated);

    public async Task PassGateAsync()
    {
        Interlocked.Increment(ref _gated);
        await _gate.Task;
    }

    public void OpenAllGates() => _gate.TrySetResult();

    /// <summary>Makes <see cref="Patience"/> wait for the host's shutdown instead of answering.</summary>
    public bool HoldUntilShutdown { get; init; }
}

public sealed class Greet(Probe probe) : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string name)
    {
        probe.Ran($"{context.InstanceId}/greet/{name}");
        return Task.FromResult($"Hello, {name}!");
    }
}

public sealed class Square(Probe probe) : TaskActivity<int, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, int n)
    {
        probe.Ran($"{context.InstanceId}/square/{n}");
        return Task.FromResult(n * n);
    }
}

/// <summary>Always fails, counting its attempts.</summary>
public sealed class Flaky(Probe probe) : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input)
    {
        probe.Ran($"{context.InstanceId}/flaky");
        throw new InvalidOperationException($"flaky refuses {input}");
    }
}

/// <summary>Waits until the test opens the gate, then returns its input.</summary>
public sealed class Gate(Probe probe) : TaskActivity<int, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, int n)
    {
        await probe.PassGateAsync();
        probe.Ran($"{context.InstanceId}/gate/{n}");
        return n;
    }
}

public sealed class Sequence : TaskOrchestrator<string[], List<string>>
{
    public override async Task<List<string>> RunAsync(TaskOrchestrationContext context, string[] names)
    {
        var greetings = new List<string>();
        foreach (var name in names)
            greetings.Add(await context.CallActivityAsync<string>(nameof(Greet), name));
        return greetings;
    }
}

/// <summary>Squares 1..n in parallel (or passes them through the gate) and sums the results.</summary>
public sealed class FanOut : TaskOrchestrator<FanOutInput, long>
{
    public override async Task<long> RunAsync(TaskOrchestrationContext context, FanOutInput input)
    {
        var calls = Enumerable.Range(1, input.Count)
            .Select(n => context.CallActivityAsync<int>(input.Gated ? nameof(Gate) : nameof(Square), n));
        var results = await Task.WhenAll(calls);
        return results.Sum(r => (long)r);
    }
}

public sealed record FanOutInput(int Count, bool Gated = false);

/// <summary>Greets, then waits for "approval" raced against a deadline: the straight-line approval flow.</summary>
public sealed class Approval : TaskOrchestrator<TimeSpan, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, TimeSpan deadline)
    {
        await context.CallActivityAsync<string>(nameof(Greet), "approver");
        context.SetCustomStatus("waiting");
        using var cancel = new CancellationTokenSource();
        var approval = context.WaitForExternalEvent<string>("approval", cancel.Token);
        var timeout = context.CreateTimer(deadline, cancel.Token);
        var first = await Task.WhenAny(approval, timeout);
        cancel.Cancel();
        return first == approval ? $"approved by {approval.Result}" : "timed out";
    }
}

/// <summary>Sleeps on a durable timer, then answers.</summary>
public sealed class Sleeper : TaskOrchestrator<TimeSpan, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, TimeSpan nap)
    {
        await context.CreateTimer(nap, CancellationToken.None);
        return "woke";
    }
}

/// <summary>Counts to its target one execution at a time with ContinueAsNew.</summary>
public sealed class Counter : TaskOrchestrator<CounterInput, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, CounterInput input)
    {
        if (input.Value >= input.Target) return input.Value;
        var squared = await context.CallActivityAsync<int>(nameof(Square), input.Value);
        context.ContinueAsNew(input with { Value = input.Value + 1, LastSquare = squared });
        return -1;
    }
}

public sealed record CounterInput(int Target, int Value = 0, int LastSquare = 0);

/// <summary>Calls the failing activity with a retry policy and reports how it ended.</summary>
public sealed class Retrying : TaskOrchestrator<int, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, int attempts)
    {
        var retry = new Microsoft.DurableTask.RetryPolicy(attempts, TimeSpan.FromMilliseconds(20), backoffCoefficient: 1.5);
        try
        {
            await context.CallActivityAsync<string>(nameof(Flaky), "please", TaskOptions.FromRetryPolicy(retry));
            return "succeeded";
        }
        catch (TaskFailedException e)
        {
            return $"gave up: {e.FailureDetails.ErrorType}: {e.FailureDetails.ErrorMessage}";
        }
    }
}

/// <summary>Lets the activity's failure fail the orchestration.</summary>
public sealed class Unguarded : TaskOrchestrator<string, string>
{
    public override Task<string> RunAsync(TaskOrchestrationContext context, string input) =>
        context.CallActivityAsync<string>(nameof(Flaky), input);
}

public sealed class Parent : TaskOrchestrator<int, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, int n)
    {
        var children = Enumerable.Range(1, n).Select(i =>
            context.CallSubOrchestratorAsync<int>(nameof(Child), i, new SubOrchestrationOptions { InstanceId = $"{context.InstanceId}-child-{i}" }));
        return (await Task.WhenAll(children)).Sum();
    }
}

public sealed class Child : TaskOrchestrator<int, int>
{
    public override Task<int> RunAsync(TaskOrchestrationContext context, int n) => context.CallActivityAsync<int>(nameof(Square), n);
}

/// <summary>Greets, then waits for "approval" with no deadline: nothing is in flight while it waits.</summary>
public sealed class Patient : TaskOrchestrator<string, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, string name)
    {
        await context.CallActivityAsync<string>(nameof(Greet), name);
        context.SetCustomStatus("waiting");
        return $"approved by {await context.WaitForExternalEvent<string>("approval")}";
    }
}

/// <summary>Answers n, or (when the probe says so) waits for the host's shutdown and ends cancelled.</summary>
public sealed class Patience(Probe probe, ActivityShutdown shutdown) : TaskActivity<int, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, int n)
    {
        probe.Ran($"{context.InstanceId}/patience");
        if (probe.HoldUntilShutdown)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                probe.Ran($"{context.InstanceId}/patience/cancelled");
                throw;
            }
        }
        return n;
    }
}

/// <summary>Calls <see cref="Patience"/> once and returns its answer.</summary>
public sealed class CallsPatience : TaskOrchestrator<int, int>
{
    public override Task<int> RunAsync(TaskOrchestrationContext context, int n) => context.CallActivityAsync<int>(nameof(Patience), n);
}
