using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Durable.Tasks;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

// Settings come from the environment: PROBE_CONNECTION (required), PROBE_WORKER, PROBE_LEASE_MS, PROBE_BATCH,
// PROBE_DRAIN_MS, PROBE_TICK (a timer schedule; no timer when unset), PROBE_TASKS=1 (also run the Durable Task store's
// worker with ProbeFanOut and ProbeSquare, which records each run in probe.finished).
Func<string, string?> env = Environment.GetEnvironmentVariable;
var connection = env("PROBE_CONNECTION") ?? throw new InvalidOperationException("PROBE_CONNECTION is required.");
var worker = env("PROBE_WORKER") ?? $"probe-{Environment.ProcessId}";

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
var db = new NpgsqlDataSourceBuilder(connection).Build();
builder.Services.AddSingleton(db);
var durable = builder.Services.AddDurable(o =>
{
    o.WorkerId = worker;
    o.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(env("PROBE_LEASE_MS") ?? "3000"));
    o.BatchSize = int.Parse(env("PROBE_BATCH") ?? "32");
    o.DrainTimeout = TimeSpan.FromMilliseconds(int.Parse(env("PROBE_DRAIN_MS") ?? "10000"));
    o.MaxPollingInterval = TimeSpan.FromMilliseconds(200);
    o.VisibilityTimeout = TimeSpan.FromMilliseconds(100);
    o.PastDueThreshold = TimeSpan.FromMilliseconds(int.Parse(env("PROBE_PAST_DUE_MS") ?? "1500"));
});

durable.AddFunction<Probe>("probe", async (probe, context, ct) =>
{
    await Record(db, "insert into probe.started (key, worker, attempt) values ($1, $2, $3)", probe.Key, worker, context.Attempt);
    var sleep = context.Attempt == 1 && probe.FirstAttemptSleepMs is { } first ? first : probe.SleepMs;
    if (sleep > 0) await Task.Delay(sleep, ct);
    await Record(db, "insert into probe.finished (key, worker, attempt) values ($1, $2, $3)", probe.Key, worker, context.Attempt);
});
if (env("PROBE_TASKS") == "1")
{
    builder.Services.AddDurableTasks(o =>
        {
            o.WorkerName = worker;
            o.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(env("PROBE_LEASE_MS") ?? "3000"));
            o.MaxPollingInterval = TimeSpan.FromMilliseconds(200);
        })
        .AddOrchestrator<ProbeFanOut>()
        .AddActivity<ProbeSquare>();
    builder.Services.AddSingleton(new ProbeWorker(worker));
}
if (env("PROBE_TICK") is { Length: > 0 } tick)
{
    durable.AddTimer("tick", tick, (timer, _, _) => Record(db,
        "insert into probe.ticks (occurrence, past_due, worker) values ($1, $2, $3)", timer.ScheduledTime, timer.IsPastDue, worker));
}

using var host = builder.Build();
await host.StartAsync();
await host.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
Console.WriteLine("READY");
await host.WaitForShutdownAsync();
Console.WriteLine("STOPPED");
return 0;

static async Task Record(NpgsqlDataSource db, string sql, params object[] values)
{
    await using var command = db.CreateCommand(sql);
    foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
    await command.ExecuteNonQueryAsync();
}

/// <summary>A probe job: records its start and end; the first attempt may sleep longer (to be killed mid-job).</summary>
internal sealed record Probe(string Key, int SleepMs, int? FirstAttemptSleepMs = null);

/// <summary>Input of ProbeSquare: square X after sleeping SleepMs.</summary>
internal sealed record SquareInput(int X, int SleepMs);

/// <summary>Input of ProbeFanOut: square 1..Count, each call taking SleepMs.</summary>
internal sealed record FanOutInput(int Count, int SleepMs);

/// <summary>This process's worker name, for the probe rows.</summary>
internal sealed record ProbeWorker(string Name);

/// <summary>Squares 1..Count in parallel on the task store and sums the results.</summary>
internal sealed class ProbeFanOut : TaskOrchestrator<FanOutInput, long>
{
    public override async Task<long> RunAsync(TaskOrchestrationContext context, FanOutInput input)
    {
        var calls = Enumerable.Range(1, input.Count).Select(n => context.CallActivityAsync<long>(nameof(ProbeSquare), new SquareInput(n, input.SleepMs)));
        return (await Task.WhenAll(calls)).Sum();
    }
}

/// <summary>Records that it ran (key = instance/n, this worker) and returns n².</summary>
internal sealed class ProbeSquare(NpgsqlDataSource db, ProbeWorker worker) : TaskActivity<SquareInput, long>
{
    public override async Task<long> RunAsync(TaskActivityContext context, SquareInput input)
    {
        if (input.SleepMs > 0) await Task.Delay(input.SleepMs);
        await using var command = db.CreateCommand("insert into probe.finished (key, worker, attempt) values ($1, $2, 0)");
        command.Parameters.Add(new NpgsqlParameter { Value = $"{context.InstanceId}/{input.X}" });
        command.Parameters.Add(new NpgsqlParameter { Value = worker.Name });
        await command.ExecuteNonQueryAsync();
        return (long)input.X * input.X;
    }
}
