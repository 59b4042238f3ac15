using Hearth.Durable.Migrations;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>A generic host running the Durable Task worker on the PostgreSQL task store against one test database.</summary>
public sealed class TaskHarness : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;

    private TaskHarness(IHost host, NpgsqlDataSource db, string connectionString)
    {
        _host = host;
        Db = db;
        ConnectionString = connectionString;
    }

    public NpgsqlDataSource Db { get; }
    public string ConnectionString { get; }
    public IServiceProvider Services => _host.Services;
    public TaskClient Client => Services.GetRequiredService<TaskClient>();
    public Probe Probe => Services.GetRequiredService<Probe>();
    public string WorkerName => Services.GetRequiredService<PostgresOrchestrationService>().WorkerName;

    public static async Task<TaskHarness> StartAsync(string? connectionString = null, TimeProvider? time = null, Probe? probe = null,
        Action<TaskStoreOptions>? configure = null, bool runWorkers = true)
    {
        connectionString ??= await TestPostgres.CreateDatabaseAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        // A bounded pool: many hosts run at once in the test process, on one cluster of 400 connections.
        var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 30 }.ConnectionString);
        builder.Services.AddSingleton(db);
        builder.Services.AddSingleton(probe ?? new Probe());
        if (time is not null) builder.Services.AddSingleton(time);
        // Only the task store: no job workers of the old runtime are declared, so none have anything to do.
        builder.Services.AddDurableTasks(o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(5);
                o.MaxPollingInterval = TimeSpan.FromMilliseconds(200);
                configure?.Invoke(o);
            })
            .AddOrchestrator<Sequence>()
            .AddOrchestrator<FanOut>()
            .AddOrchestrator<Approval>()
            .AddOrchestrator<Patient>()
            .AddOrchestrator<CallsPatience>()
            .AddActivity<Patience>()
            .AddOrchestrator<Sleeper>()
            .AddOrchestrator<Counter>()
            .AddOrchestrator<Retrying>()
            .AddOrchestrator<Unguarded>()
            .AddOrchestrator<Parent>()
            .AddOrchestrator<Child>()
            .AddActivity<Greet>()
            .AddActivity<Square>()
            .AddActivity<Flaky>()
            .AddActivity<Gate>();
        // A client-only harness (runWorkers: false) starts and reads instances that other processes run.
        builder.Services.Configure<DurableOptions>(o => o.RunWorkers = runWorkers);
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
        return new TaskHarness(host, db, connectionString);
    }

    /// <summary>Stops this worker as kill -9 would: no more writes, no heartbeats, nothing handed back.</summary>
    public void Kill() => Services.GetRequiredService<TaskHubHost>().Halt();

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var a in args) command.Parameters.Add(new NpgsqlParameter { Value = a });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<TaskInstance> CompletionAsync(string instanceId, int seconds = 30)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await Client.WaitForCompletionAsync(instanceId, limit.Token);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the stored instance (bounded, for ordering only).</summary>
    public async Task<TaskInstance> UntilAsync(string instanceId, Func<TaskInstance, bool> condition, int seconds = 30) =>
        (await Eventually.ValueAsync(() => Client.GetAsync(instanceId), i => i is not null && condition(i), TimeSpan.FromSeconds(seconds),
            $"instance {instanceId} to reach the expected state"))!;

    /// <summary>Waits until the instance's durable timer is stored (its fire time decides when it becomes visible).</summary>
    public Task UntilTimerStoredAsync(string instanceId) =>
        Eventually.TrueAsync(async () => await ScalarAsync<long>(
                "select count(*) from durabletask.new_events where instance_id = $1 and event_type = 'TimerFired'", instanceId) > 0,
            TimeSpan.FromSeconds(30), $"the timer of {instanceId} to be stored");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Probe.OpenAllGates();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await _host.StopAsync(limit.Token); } catch (OperationCanceledException) { }
            _host.Dispose();
            await Db.DisposeAsync();
        }
    }
}
