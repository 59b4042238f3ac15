namespace Hearth.Benchmarks.Orchestration;

/// <summary>
/// Orchestrations end to end on one local PostgreSQL, in the Durable Task programming model on Hearth's task store
/// (<see cref="SideBySide"/>): a fan-out/fan-in of N activities, a chain, 10,000 activities in sub-orchestrations, raise
/// event to completion; then the same orchestrators on Microsoft's Azure Storage provider against Azurite (the peer), and
/// recovery after kill -9 of one of two host processes.
/// </summary>
public sealed class OrchestrationHarness : IHarness
{
    public string Name => "orchestration";
    public string Description => "Durable Task on PostgreSQL: fan-out/fan-in activities/s, chain steps/s, 10,000 activities in sub-orchestrations, raise event p50; the Azurite peer; recovery after kill -9 (--runs 3 --side-fan-out 1000 --side-chain 50 --side-raises 100 --side-large 10000 --side-per-sub 1000 --no-peers --no-recovery; --side-only is accepted for older commands)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var runs = options.Int("runs", 3);
        var sideFanOut = options.Int("side-fan-out", 1_000);
        var sideChain = options.Int("side-chain", 50);
        var sideRaises = options.Int("side-raises", 100);
        var sideLarge = options.Int("side-large", 10_000);
        var sidePerSub = options.Int("side-per-sub", 1_000);

        await using var cluster = await BenchCluster.StartAsync();
        var taskEngine = new List<SideBySide.Figures>();
        for (var r = 0; r < runs; r++)
        {
            taskEngine.Add(await SideBySide.TaskEngineAsync(await cluster.NewDatabaseAsync("dt"), sideFanOut, sideChain, sideRaises, sideLarge, sidePerSub));
            Console.WriteLine($"run {r + 1}: Durable Task {taskEngine[^1]}");
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
        report.Parameter("runs", runs).Columns("scenario", "median", "runs")
            .Row($"Durable Task on PostgreSQL: fan-out/fan-in of {sideFanOut:N0} activities, activities/s", BenchReport.Median(taskEngine.Select(f => f.FanOut).ToList()), Runs(taskEngine.Select(f => f.FanOut), "N0"))
            .Row($"Durable Task on PostgreSQL: chain of {sideChain} activities, steps/s", BenchReport.Median(taskEngine.Select(f => f.Chain).ToList()), Runs(taskEngine.Select(f => f.Chain), "N0"))
            .Row($"Durable Task on PostgreSQL: {sideLarge:N0} activities in sub-orchestrations of {sidePerSub:N0}, activities/s", BenchReport.Median(taskEngine.Select(f => f.Large).ToList()), Runs(taskEngine.Select(f => f.Large), "N0"))
            .Row($"Durable Task on PostgreSQL: raise event to completion, median of {sideRaises}, ms", BenchReport.Median(taskEngine.Select(f => f.RaiseP50Ms).ToList()), Runs(taskEngine.Select(f => f.RaiseP50Ms), "N1"))
            .Row(peer is null ? "Azure Storage provider on Azurite: not run (--no-peers or Azurite not installed)" :
                $"Azure Storage provider 2.11.3 on Azurite (same orchestrators): fan-out/fan-in of {sideFanOut:N0} activities, activities/s (Durable Task on PostgreSQL {BenchReport.Median(taskEngine.Select(f => f.FanOut).ToList()) / peer.FanOut:N0}×)",
                peer?.FanOut ?? 0, peer?.FanOut.ToString("N1") ?? "")
            .Row(peer is null ? "" : $"Azure Storage provider 2.11.3 on Azurite: chain of {sideChain} activities, steps/s (Durable Task on PostgreSQL {BenchReport.Median(taskEngine.Select(f => f.Chain).ToList()) / peer.Chain:N0}×)",
                peer?.Chain ?? 0, peer?.Chain.ToString("N1") ?? "")
            .Row(recovered is null ? "Durable Task on PostgreSQL: recovery after kill -9 (not run: Hearth.Durable.TestHost not built)" :
                $"Durable Task on PostgreSQL: kill -9 of one of two host processes mid fan-out ({options.Int("recovery-activities", 400)} activities of 20 ms, lease {recoveryLease.TotalSeconds:N0} s; {recovered.DoneAtKill} done at the kill, {recovered.RunTwice} run twice) → completed, s",
                recovered?.Seconds ?? 0, recovered is null ? "" : recovered.Seconds.ToString("N1"))
            .Note("Each engine in its own host and database (the peer in Azurite), one after the other; raise event to completion is timed from the raise call to the instance reading finished (polled every millisecond), one waiting instance at a time. Fan-out: from start to the instance reading finished with the right sum.")
            .Note("The state-machine engine was removed (issue 17, item 5); its last figures on this machine were fan-out 4,944 activities/s and chain 168 steps/s (docs/benchmarks.md, 2026-12-07).")
            .Publish();
        return 0;
    }
}
