using System.Diagnostics;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Benchmarks.Orchestration;

/// <summary>
/// Orchestrations end to end on one local PostgreSQL: a fan-out/fan-in of N no-op activities (bounded in flight),
/// sequential chains of activities, and external events raised to waiting instances.
/// </summary>
public sealed class OrchestrationHarness : IHarness
{
    public string Name => "orchestration";
    public string Description => "fan-out/fan-in activities/s, sequential chain steps/s, external events/s; then both engines side by side (--activities 10000 --bound 200 --chain 200 --events 2000 --runs 3 --side-fan-out 1000 --side-chain 50 --side-raises 100 --side-large 10000 --side-per-sub 1000)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var activities = options.Int("activities", 10_000);
        var bound = options.Int("bound", 200);
        var chain = options.Int("chain", 200);
        var events = options.Int("events", 2_000);
        var runs = options.Int("runs", 3);
        var sideFanOut = options.Int("side-fan-out", 1_000);
        var sideChain = options.Int("side-chain", 50);
        var sideRaises = options.Int("side-raises", 100);
        var sideLarge = options.Int("side-large", 10_000);
        var sidePerSub = options.Int("side-per-sub", 1_000);

        await using var cluster = await BenchCluster.StartAsync();
        var fanOut = new List<double>();
        var chains = new List<double>();
        var raised = new List<double>();
        var sideOnly = options.Flag("side-only");
        for (var r = 0; r < (sideOnly ? 0 : runs); r++)
        {
            await using var host = await BenchHost.StartAsync(await cluster.NewDatabaseAsync("orch"));
            fanOut.Add(await FanOutAsync(host, activities, bound));
            chains.Add(await ChainAsync(host, chain));
            raised.Add(await EventsAsync(host, events));
            Console.WriteLine($"run {r + 1}: fan-out {fanOut[^1]:N0} activities/s, chain {chains[^1]:N0} steps/s, events {raised[^1]:N0}/s");
        }

        var oldEngine = new List<SideBySide.Figures>();
        var taskEngine = new List<SideBySide.Figures>();
        for (var r = 0; r < runs; r++)
        {
            oldEngine.Add(await SideBySide.OldEngineAsync(await cluster.NewDatabaseAsync("old"), sideFanOut, sideChain, sideRaises, sideLarge));
            taskEngine.Add(await SideBySide.TaskEngineAsync(await cluster.NewDatabaseAsync("dt"), sideFanOut, sideChain, sideRaises, sideLarge, sidePerSub));
            Console.WriteLine($"side by side run {r + 1}: state machines {oldEngine[^1]}; Durable Task {taskEngine[^1]}");
        }
        AzuritePeer.Figures? peer = null;
        if (AzuritePeer.Available && !options.Flag("no-peers"))
        {
            peer = await AzuritePeer.RunAsync(sideFanOut, sideChain);
            Console.WriteLine($"Azurite peer: {peer}");
        }
        var recoveryLease = TimeSpan.FromSeconds(options.Int("recovery-lease", 5));
        Recovery.Figures? recovered = null;
        if (Recovery.Available && !options.Flag("no-recovery"))
        {
            recovered = await Recovery.TaskEngineAsync(await cluster.NewDatabaseAsync("kill"), options.Int("recovery-activities", 400), 20, recoveryLease);
            Console.WriteLine($"recovery: {recovered}");
        }
        string Runs(IEnumerable<double> values, string format) => string.Join(" / ", values.Select(v => v.ToString(format)));

        var report = new BenchReport("Orchestrations", $"./bench orchestration {options}".Trim());
        if (!sideOnly)
        {
            report.Parameter("fan-out activities", activities).Parameter("in-flight bound", bound).Parameter("chain length", chain)
            .Parameter("events", events).Parameter("runs", runs).Parameter("worker batchSize", BenchHost.BatchSize)
            .Columns("scenario", "median", "runs")
            .Row($"fan-out/fan-in of {activities:N0} no-op activities (≤ {bound} in flight), activities/s", BenchReport.Median(fanOut), string.Join(" / ", fanOut.Select(v => v.ToString("N0"))))
            .Row($"sequential chain of {chain} activities, steps/s", BenchReport.Median(chains), string.Join(" / ", chains.Select(v => v.ToString("N0"))))
            .Row($"external events raised to {events:N0} waiting instances, events/s", BenchReport.Median(raised), string.Join(" / ", raised.Select(v => v.ToString("N0"))));
        }
        else
        {
            report.Parameter("runs", runs).Columns("scenario", "median", "runs");
        }
        report
            .Row($"state machines: fan-out/fan-in of {sideFanOut:N0} activities (unbounded), activities/s", BenchReport.Median(oldEngine.Select(f => f.FanOut).ToList()), Runs(oldEngine.Select(f => f.FanOut), "N0"))
            .Row($"Durable Task on PostgreSQL: fan-out/fan-in of {sideFanOut:N0} activities, activities/s", BenchReport.Median(taskEngine.Select(f => f.FanOut).ToList()), Runs(taskEngine.Select(f => f.FanOut), "N0"))
            .Row($"state machines: chain of {sideChain} activities, steps/s", BenchReport.Median(oldEngine.Select(f => f.Chain).ToList()), Runs(oldEngine.Select(f => f.Chain), "N0"))
            .Row($"Durable Task on PostgreSQL: chain of {sideChain} activities, steps/s", BenchReport.Median(taskEngine.Select(f => f.Chain).ToList()), Runs(taskEngine.Select(f => f.Chain), "N0"))
            .Row($"state machines: fan-out/fan-in of {sideLarge:N0} activities in one instance, activities/s", BenchReport.Median(oldEngine.Select(f => f.Large).ToList()), Runs(oldEngine.Select(f => f.Large), "N0"))
            .Row($"Durable Task on PostgreSQL: {sideLarge:N0} activities in sub-orchestrations of {sidePerSub:N0}, activities/s", BenchReport.Median(taskEngine.Select(f => f.Large).ToList()), Runs(taskEngine.Select(f => f.Large), "N0"))
            .Row($"state machines: raise event to completion, median of {sideRaises}, ms", BenchReport.Median(oldEngine.Select(f => f.RaiseP50Ms).ToList()), Runs(oldEngine.Select(f => f.RaiseP50Ms), "N1"))
            .Row($"Durable Task on PostgreSQL: raise event to completion, median of {sideRaises}, ms", BenchReport.Median(taskEngine.Select(f => f.RaiseP50Ms).ToList()), Runs(taskEngine.Select(f => f.RaiseP50Ms), "N1"))
            .Row(peer is null ? "Azure Storage provider on Azurite: not run (--no-peers or Azurite not installed)" :
                $"Azure Storage provider 2.11.3 on Azurite (same orchestrators): fan-out/fan-in of {sideFanOut:N0} activities, activities/s (Durable Task on PostgreSQL {BenchReport.Median(taskEngine.Select(f => f.FanOut).ToList()) / peer.FanOut:N0}×)",
                peer?.FanOut ?? 0, peer?.FanOut.ToString("N1") ?? "")
            .Row(peer is null ? "" : $"Azure Storage provider 2.11.3 on Azurite: chain of {sideChain} activities, steps/s (Durable Task on PostgreSQL {BenchReport.Median(taskEngine.Select(f => f.Chain).ToList()) / peer.Chain:N0}×)",
                peer?.Chain ?? 0, peer?.Chain.ToString("N1") ?? "")
            .Row(recovered is null ? "Durable Task on PostgreSQL: recovery after kill -9 (not run: Hearth.Durable.TestHost not built)" :
                $"Durable Task on PostgreSQL: kill -9 of one of two host processes mid fan-out ({options.Int("recovery-activities", 400)} activities of 20 ms, lease {recoveryLease.TotalSeconds:N0} s; {recovered.DoneAtKill} done at the kill, {recovered.RunTwice} run twice) → completed, s",
                recovered?.Seconds ?? 0, recovered is null ? "" : recovered.Seconds.ToString("N1"))
            .Note("Side by side: each engine in its own host and database on the same cluster, one after the other; raise event to completion is timed from the raise call to the instance reading finished (polled every millisecond), one waiting instance at a time.")
            .Note("Fan-out: from start to the instance reading Completed with the right sum. Chain: each step waits for the previous activity. Events: instances are started and waiting first (not timed); the clock covers raising one event to each and all of them completing.")
            .Publish();
        return 0;
    }

    private static async Task<double> FanOutAsync(BenchHost host, int activities, int bound)
    {
        var clock = Stopwatch.StartNew();
        var start = await host.Orchestrations.StartAsync<SumOfSquares, SumOfSquares.Input>(new(activities, bound));
        var status = await host.Orchestrations.WaitForCompletionAsync(start.InstanceId, TimeSpan.FromMinutes(10));
        var seconds = clock.Elapsed.TotalSeconds;
        var expected = Enumerable.Range(1, activities).Sum(i => (long)i * i);
        if (status?.ReadOutput<long>() != expected) throw new InvalidOperationException($"Fan-out ended {status?.Status} with {status?.Output}, expected {expected}.");
        return activities / seconds;
    }

    private static async Task<double> ChainAsync(BenchHost host, int length)
    {
        var clock = Stopwatch.StartNew();
        var start = await host.Orchestrations.StartAsync<Chain, int>(length);
        var status = await host.Orchestrations.WaitForCompletionAsync(start.InstanceId, TimeSpan.FromMinutes(10));
        var seconds = clock.Elapsed.TotalSeconds;
        if (status?.ReadOutput<int>() != length) throw new InvalidOperationException($"Chain ended {status?.Status} with {status?.Output}.");
        return length / seconds;
    }

    private static async Task<double> EventsAsync(BenchHost host, int count)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++) ids.Add((await host.Orchestrations.StartAsync<Waiter, int>(i)).InstanceId);
        await using (var db = NpgsqlDataSource.Create(host.ConnectionString))
        {
            while (true)
            {
                await using var command = db.CreateCommand("select count(*) from durable.instances where status = 'Waiting'");
                if ((long)(await command.ExecuteScalarAsync())! == count) break;
                await Task.Delay(20);
            }
        }
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (id, ct) => await host.Orchestrations.RaiseEventAsync(id, "go", 1, ct: ct));
        await using (var db = NpgsqlDataSource.Create(host.ConnectionString))
        {
            while (true)
            {
                await using var command = db.CreateCommand("select count(*) from durable.instances where status = 'Completed' and type = 'Waiter'");
                if ((long)(await command.ExecuteScalarAsync())! == count) break;
                await Task.Delay(5);
            }
        }
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>A host with the runtime and the benchmark's orchestrations.</summary>
    private sealed class BenchHost : IAsyncDisposable
    {
        public const int BatchSize = 64;
        private readonly IHost _host;

        private BenchHost(IHost host, string connectionString)
        {
            _host = host;
            ConnectionString = connectionString;
        }

        public string ConnectionString { get; }
        public IOrchestrationClient Orchestrations => _host.Services.GetRequiredService<IOrchestrationClient>();

        public static async Task<BenchHost> StartAsync(string connectionString)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(new NpgsqlDataSourceBuilder(connectionString + ";Max Auto Prepare=64;Auto Prepare Min Usages=2").Build());
            builder.Services.AddDurable(o => { o.BatchSize = BatchSize; o.RunTimers = false; })
                .AddActivity<int, long>("square", (x, _, _) => Task.FromResult((long)x * x))
                .AddActivity<int, int>("next", (x, _, _) => Task.FromResult(x + 1))
                .AddOrchestration<SumOfSquares>()
                .AddOrchestration<Chain>()
                .AddOrchestration<Waiter>();
            var host = builder.Build();
            await host.StartAsync();
            await host.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
            return new BenchHost(host, connectionString);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private sealed class SumOfSquares : Orchestration<SumOfSquares.Input, SumOfSquares.Total, long>
    {
        public sealed record Input(int Count, int Bound);

        public sealed class Total
        {
            public long Sum { get; set; }
            public int Done { get; set; }
        }

        public override void OnEvent(OrchestrationContext<Input, Total, long> context, OrchestrationEvent e)
        {
            switch (e)
            {
                case OrchestrationStarted:
                    context.MaxActivitiesInFlight = context.Input.Bound;
                    for (var i = 1; i <= context.Input.Count; i++) context.CallActivity("square", i);
                    break;
                case ActivityCompleted done:
                    context.State.Sum += done.GetResult<long>();
                    if (++context.State.Done == context.Input.Count) context.Complete(context.State.Sum);
                    break;
                case ActivityFailed failed:
                    context.Fail(failed.Error);
                    break;
            }
        }
    }

    /// <summary>A chain of <c>next</c> activities up to the input (also the old engine's side in <see cref="SideBySide"/>).</summary>
    internal sealed class Chain : Orchestration<int, Chain.Nothing, int>
    {
        public sealed class Nothing;

        public override void OnEvent(OrchestrationContext<int, Nothing, int> context, OrchestrationEvent e)
        {
            switch (e)
            {
                case OrchestrationStarted:
                    context.CallActivity("next", 0);
                    break;
                case ActivityCompleted done when done.GetResult<int>() is var value:
                    if (value == context.Input) context.Complete(value);
                    else context.CallActivity("next", value);
                    break;
            }
        }
    }

    /// <summary>Waits for the <c>go</c> event and adds its data to the input (also used by <see cref="SideBySide"/>).</summary>
    internal sealed class Waiter : Orchestration<int, Waiter.Nothing, int>
    {
        public sealed class Nothing;

        public override void OnEvent(OrchestrationContext<int, Nothing, int> context, OrchestrationEvent e)
        {
            switch (e)
            {
                case OrchestrationStarted:
                    context.WaitForEvent("go");
                    break;
                case EventRaised raised:
                    context.Complete(raised.GetData<int>() + context.Input);
                    break;
            }
        }
    }
}
