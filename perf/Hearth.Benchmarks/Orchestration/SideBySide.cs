using System.Diagnostics;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Durable.Tasks;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Benchmarks.Orchestration;

/// <summary>
/// The orchestration workloads on Microsoft's DurableTask.Core replaying Microsoft.DurableTask orchestrators on Hearth's
/// PostgreSQL task store (<c>Hearth.Durable.Tasks</c>); <see cref="AzuritePeer"/> runs the same orchestrators on Azure
/// Storage.
/// </summary>
internal static class SideBySide
{
    public sealed record Figures(double FanOut, double Chain, double RaiseP50Ms, double Large);

    public static async Task<Figures> TaskEngineAsync(string connectionString, int fanOut, int chain, int raises, int large, int perSub)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new NpgsqlDataSourceBuilder(connectionString + ";Max Auto Prepare=64;Auto Prepare Min Usages=2").Build());
        builder.Services.AddDurable(o => o.RunTimers = false);
        builder.Services.AddDurableTasks()
            .AddOrchestrator<TaskSumOfSquares>()
            .AddOrchestrator<TaskChain>()
            .AddOrchestrator<TaskWaiter>()
            .AddOrchestrator<TaskSumOfSums>()
            .AddOrchestrator<TaskSumOfRange>()
            .AddActivity<SquareActivity>()
            .AddActivity<NextActivity>();
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
        var client = host.Services.GetRequiredService<TaskClient>();
        await client.WaitForCompletionAsync((await client.StartAsync(nameof(TaskSumOfSquares), 20)).InstanceId);
        await client.WaitForCompletionAsync((await client.StartAsync(nameof(TaskChain), 5)).InstanceId);

        async Task<TaskInstance> Finished(string id)
        {
            while (true)
            {
                if (await client.GetAsync(id) is { IsFinished: true } instance) return instance;
                await Task.Delay(1);
            }
        }

        var clock = Stopwatch.StartNew();
        var sum = await client.StartAsync(nameof(TaskSumOfSquares), fanOut);
        var summed = await Finished(sum.InstanceId);
        var fanOutRate = fanOut / clock.Elapsed.TotalSeconds;
        Expect(client.Read<long>(summed.SerializedOutput) == SumOfSquares(fanOut), $"new fan-out ({summed.Status} {summed.Failure?.ErrorMessage})");

        clock.Restart();
        var steps = await client.StartAsync(nameof(TaskChain), chain);
        var chained = await Finished(steps.InstanceId);
        var chainRate = chain / clock.Elapsed.TotalSeconds;
        Expect(client.Read<int>(chained.SerializedOutput) == chain, "new chain");

        clock.Restart();
        var big = await client.StartAsync(nameof(TaskSumOfSums), new Split(large, perSub));
        var bigSum = await Finished(big.InstanceId);
        var largeRate = large / clock.Elapsed.TotalSeconds;
        Expect(client.Read<long>(bigSum.SerializedOutput) == SumOfSquares(large), $"new large fan-out ({bigSum.Status} {bigSum.Failure?.ErrorMessage})");

        var latencies = new List<double>();
        for (var i = 0; i < raises; i++)
        {
            var waiter = await client.StartAsync(nameof(TaskWaiter), i);
            while ((await client.GetAsync(waiter.InstanceId))?.SerializedCustomStatus is null) await Task.Delay(1);
            var raised = Stopwatch.StartNew();
            await client.RaiseEventAsync(waiter.InstanceId, "go", 1);
            while ((await client.GetAsync(waiter.InstanceId)) is not { IsFinished: true }) await Task.Delay(1);
            latencies.Add(raised.Elapsed.TotalMilliseconds);
        }
        await host.StopAsync();
        return new Figures(fanOutRate, chainRate, BenchReport.Median(latencies), largeRate);
    }

    private static long SumOfSquares(int n) => Enumerable.Range(1, n).Sum(i => (long)i * i);

    private static void Expect(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException($"The {what} ended with a wrong result.");
    }

    // ---- the new engine's orchestrators, straight-line

    internal sealed class SquareActivity : TaskActivity<int, long>
    {
        public override Task<long> RunAsync(TaskActivityContext context, int x) => Task.FromResult((long)x * x);
    }

    internal sealed class NextActivity : TaskActivity<int, int>
    {
        public override Task<int> RunAsync(TaskActivityContext context, int x) => Task.FromResult(x + 1);
    }

    internal sealed class TaskSumOfSquares : TaskOrchestrator<int, long>
    {
        public override async Task<long> RunAsync(TaskOrchestrationContext context, int count)
        {
            var squares = await Task.WhenAll(Enumerable.Range(1, count).Select(i => context.CallActivityAsync<long>(nameof(SquareActivity), i)));
            return squares.Sum();
        }
    }

    /// <summary>Total activities, split into sub-orchestrations of PerSub each.</summary>
    internal sealed record Split(int Total, int PerSub);

    /// <summary>Squares From..From+Count-1 (one sub-orchestration's share).</summary>
    internal sealed record Range(int From, int Count);

    private sealed class TaskSumOfSums : TaskOrchestrator<Split, long>
    {
        public override async Task<long> RunAsync(TaskOrchestrationContext context, Split split)
        {
            var parts = Enumerable.Range(0, (split.Total + split.PerSub - 1) / split.PerSub).Select(p => context.CallSubOrchestratorAsync<long>(
                nameof(TaskSumOfRange), new Range(1 + p * split.PerSub, Math.Min(split.PerSub, split.Total - p * split.PerSub))));
            return (await Task.WhenAll(parts)).Sum();
        }
    }

    private sealed class TaskSumOfRange : TaskOrchestrator<Range, long>
    {
        public override async Task<long> RunAsync(TaskOrchestrationContext context, Range range)
        {
            var squares = await Task.WhenAll(Enumerable.Range(range.From, range.Count).Select(i => context.CallActivityAsync<long>(nameof(SquareActivity), i)));
            return squares.Sum();
        }
    }

    internal sealed class TaskChain : TaskOrchestrator<int, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, int length)
        {
            var value = 0;
            while (value < length) value = await context.CallActivityAsync<int>(nameof(NextActivity), value);
            return value;
        }
    }

    private sealed class TaskWaiter : TaskOrchestrator<int, int>
    {
        public override async Task<int> RunAsync(TaskOrchestrationContext context, int input)
        {
            context.SetCustomStatus("waiting");
            return input + await context.WaitForExternalEvent<int>("go");
        }
    }
}
