using DurableTask.Core;
using DurableTask.Core.History;
using Hearth.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>
/// Issue 18: one owner's backlog of ready work does not hold another owner's work back. The store is driven as the
/// dispatchers drive it (lock, checkpoint, lock activities), without a worker, so the order of the fetches is what is
/// asserted: oldest first would hand out the whole backlog before the other owner's one item.
/// </summary>
public sealed class FairShareTests
{
    private const int Backlog = 120;

    [Fact]
    public async Task One_owners_backlog_of_ready_instances_delays_another_owners_instance_by_at_most_one_fetch()
    {
        await using var store = await StoreAsync();
        for (var i = 0; i < Backlog; i++) await CreateAsync(store, $"mallory-{i}", "mallory");
        await CreateAsync(store, "alice-1", "alice"); // the newest of all

        var fetches = 0;
        string instanceId;
        do
        {
            var item = await store.Inner.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.Zero, CancellationToken.None);
            Assert.NotNull(item);
            fetches++;
            instanceId = item.InstanceId;
        }
        while (instanceId != "alice-1" && fetches <= Backlog);

        // Round robin over the owners: the first fetch may take mallory's oldest, the next is alice's.
        Assert.True(fetches <= 2, $"alice's instance came after {fetches} fetches, behind mallory's backlog of {Backlog}");
    }

    [Fact]
    public async Task One_owners_backlog_of_activity_calls_delays_another_owners_call_by_at_most_one_place_and_results_keep_the_owner()
    {
        await using var store = await StoreAsync();
        // Mallory's orchestration schedules its whole backlog first; alice's single call is the newest row.
        await CreateAsync(store, "mallory-ingest", "mallory");
        await ScheduleAsync(store, await LockAsync(store, "mallory-ingest"), Backlog);
        await CreateAsync(store, "alice-picture", "alice");
        await ScheduleAsync(store, await LockAsync(store, "alice-picture"), 1);

        var handedOut = 0;
        TaskActivityWorkItem? alices = null;
        while (alices is null && handedOut <= Backlog)
        {
            var item = await store.Inner.LockNextTaskActivityWorkItem(TimeSpan.Zero, CancellationToken.None);
            Assert.NotNull(item);
            handedOut++;
            if (item.TaskMessage.OrchestrationInstance.InstanceId == "alice-picture") alices = item;
        }

        Assert.True(handedOut <= 2, $"alice's call was handed out as number {handedOut}, behind mallory's backlog of {Backlog}");
        // Its result waits for alice's orchestration under alice's name, so the next replay is fairly shared too.
        await store.Inner.CompleteTaskActivityWorkItemAsync(alices!, new TaskMessage
        {
            OrchestrationInstance = alices!.TaskMessage.OrchestrationInstance,
            Event = new TaskCompletedEvent(-1, ((TaskScheduledEvent)alices.TaskMessage.Event).EventId, "\"done\""),
        });
        Assert.Equal(["alice"], await OwnersAsync(store.Db, "select owner from durabletask.new_events where instance_id = 'alice-picture'"));
        Assert.Equal(["mallory"], await OwnersAsync(store.Db, "select distinct owner from durabletask.new_tasks where instance_id = 'mallory-ingest'"));
    }

    /// <summary>A store on a fresh, migrated database with no worker: only the test takes work from it.</summary>
    private static async Task<OwnedStore> StoreAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await (await TaskHarness.StartAsync(database)).DisposeAsync(); // runs the migrations, then goes away
        var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database) { MaxPoolSize = 10 }.ConnectionString);
        var store = new PostgresOrchestrationService(db, new TaskStoreOptions { ActivityBatchSize = 16 }, TimeProvider.System, NullLoggerFactory.Instance);
        await store.StartAsync();
        return new OwnedStore(store, db);
    }

    private static async Task CreateAsync(OwnedStore store, string instanceId, string owner)
    {
        var instance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString("N") };
        var start = new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, "null") { Name = "Work", Version = "", OrchestrationInstance = instance },
        };
        await using var connection = await store.Db.OpenConnectionAsync();
        Assert.True(await store.Inner.CreateAsync(connection, null, start, owner, [], CancellationToken.None));
    }

    /// <summary>Locks the given instance (the only one left with a visible event).</summary>
    private static async Task<TaskOrchestrationWorkItem> LockAsync(OwnedStore store, string instanceId)
    {
        var item = await store.Inner.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.NotNull(item);
        Assert.Equal(instanceId, item.InstanceId);
        return item;
    }

    /// <summary>Checkpoints the first replay of a locked instance as the dispatcher would: it schedules <paramref name="calls"/> activities.</summary>
    private static async Task ScheduleAsync(OwnedStore store, TaskOrchestrationWorkItem item, int calls)
    {
        var runtime = item.OrchestrationRuntimeState;
        var started = (ExecutionStartedEvent)item.NewMessages.Single().Event;
        runtime.AddEvent(new OrchestratorStartedEvent(-1));
        runtime.AddEvent(started);
        var outbound = new List<TaskMessage>();
        for (var i = 0; i < calls; i++)
        {
            var scheduled = new TaskScheduledEvent(i) { Name = "Step", Input = "null" };
            runtime.AddEvent(scheduled);
            outbound.Add(new TaskMessage { OrchestrationInstance = runtime.OrchestrationInstance, Event = scheduled });
        }
        runtime.AddEvent(new OrchestratorCompletedEvent(-1));
        var state = new OrchestrationState
        {
            OrchestrationInstance = runtime.OrchestrationInstance,
            Name = started.Name,
            OrchestrationStatus = OrchestrationStatus.Running,
            Input = started.Input,
            CreatedTime = started.Timestamp,
            LastUpdatedTime = started.Timestamp,
        };
        await store.Inner.CompleteTaskOrchestrationWorkItemAsync(item, runtime, outbound, [], [], null, state);
    }

    private static async Task<List<string>> OwnersAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var owners = new List<string>();
        while (await reader.ReadAsync()) owners.Add(reader.GetString(0));
        return owners;
    }

    /// <summary>The store and its data source, disposed together.</summary>
    private sealed class OwnedStore(PostgresOrchestrationService inner, NpgsqlDataSource db) : IAsyncDisposable
    {
        public PostgresOrchestrationService Inner { get; } = inner;
        public NpgsqlDataSource Db { get; } = db;

        public async ValueTask DisposeAsync()
        {
            await Inner.DisposeAsync();
            await Db.DisposeAsync();
        }
    }
}
