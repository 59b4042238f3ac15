using System.Collections.Concurrent;
using System.Diagnostics;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Durable.Tasks;

/// <summary>
/// DurableTask.Core's storage on PostgreSQL: the orchestration service a <see cref="TaskHubWorker"/> runs on and the
/// client side of it. An orchestration work item is an instance with visible new events, locked with
/// <c>FOR UPDATE SKIP LOCKED</c> and a lease; its checkpoint (history, consumed events, new activity calls, timers,
/// messages to other instances, the instance row) commits in one transaction guarded by that lease, so two workers
/// never both record a step of one instance. Activities are rows of <c>new_tasks</c> locked the same way; completing
/// one deletes its row and records its result as the instance's event in one statement, so the orchestration sees one
/// result even when the activity ran twice. A heartbeat extends every lease this worker holds.
/// </summary>
public sealed partial class PostgresOrchestrationService : IOrchestrationService, IOrchestrationServiceClient, IAsyncDisposable
{
    private static readonly string[] Terminal = ["Completed", "Failed", "Terminated", "Canceled"];

    private readonly NpgsqlDataSource _db;
    private readonly TaskStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskWake _wake;
    private readonly ConcurrentQueue<TaskActivityWorkItem> _prefetched = new();
    private readonly ConcurrentDictionary<string, CachedHistory> _histories = new(StringComparer.Ordinal);
    private const int MaxCachedHistories = 2_000;
    private readonly SemaphoreSlim _activityFetch = new(1, 1);
    private readonly System.Threading.Channels.Channel<ActivityCompletion> _completions =
        System.Threading.Channels.Channel.CreateUnbounded<ActivityCompletion>(new() { SingleReader = true });
    private Task? _recording;
    private CancellationTokenSource? _running;
    private Task? _heartbeat;
    private volatile bool _halted;

    public PostgresOrchestrationService(NpgsqlDataSource db, TaskStoreOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        options.Validate();
        _db = db;
        _options = options;
        _time = time;
        _logger = loggers.CreateLogger("Hearth.Durable.Tasks");
        _wake = new TaskWake(db, options.WorkerName, _logger, WakeSessions);
    }

    /// <summary>The name this worker writes in lock columns.</summary>
    public string WorkerName => _options.WorkerName;

    private DateTimeOffset Now => _time.GetUtcNow();

    // ---------------------------------------------------------------- lifecycle

    public Task StartAsync()
    {
        if (_running is not null) return Task.CompletedTask;
        _running = new CancellationTokenSource();
        _wake.Start();
        _heartbeat = Task.Run(() => HeartbeatAsync(_running.Token));
        _recording ??= Task.Run(RecordCompletionsAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync() => StopAsync(false);

    public async Task StopAsync(bool isForced)
    {
        if (_running is null) return;
        await _running.CancelAsync();
        if (_heartbeat is not null)
        {
            try { await _heartbeat; } catch (OperationCanceledException) { }
        }
        // Prefetched activities nobody started go back at once instead of waiting out their lease.
        var handBack = new List<long>();
        while (_prefetched.TryDequeue(out var item)) handBack.Add(long.Parse(item.Id, System.Globalization.CultureInfo.InvariantCulture));
        if (Interlocked.Exchange(ref _handedOrchestration, null) is { } handed && !_halted)
        {
            await using var unlock = _db.CreateCommand(
                "update durabletask.instances set locked_by = null, lock_expires_at = null where instance_id = $1 and locked_by = $2");
            AddParameters(unlock, handed.InstanceId, WorkerName);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        if (handBack.Count > 0 && !_halted)
        {
            await using var release = _db.CreateCommand(
                "update durabletask.new_tasks set locked_by = null, lock_expires_at = null where id = any($1) and locked_by = $2");
            release.Parameters.Add(new NpgsqlParameter { Value = handBack.ToArray() });
            release.Parameters.Add(new NpgsqlParameter { Value = WorkerName });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        _running.Dispose();
        _running = null;
    }

    /// <summary>
    /// Stops every write and heartbeat of this worker at once, as a killed process would stop: what it holds stays
    /// locked until the lease runs out. For tests of recovery.
    /// </summary>
    internal void Halt()
    {
        _halted = true;
        _running?.Cancel();
    }

    /// <summary>A halted worker's dispatchers find nothing, without spinning.</summary>
    private static async Task<T?> IdleAsync<T>(TimeSpan receiveTimeout, CancellationToken ct) where T : class
    {
        try { await Task.Delay(receiveTimeout, ct); } catch (OperationCanceledException) { }
        return null;
    }

    private void ThrowIfHalted()
    {
        if (_halted) throw new OperationCanceledException("This worker was halted.");
    }

    public Task CreateAsync() => CreateAsync(false);

    public Task CreateAsync(bool recreateInstanceStore) => Task.CompletedTask; // tables come from the migrations

    public Task CreateIfNotExistsAsync() => Task.CompletedTask;

    public Task DeleteAsync() => DeleteAsync(false);

    public Task DeleteAsync(bool deleteInstanceStore) => throw new NotSupportedException("The task store's tables belong to the migrations.");

    public async ValueTask DisposeAsync()
    {
        await StopAsync(true);
        _completions.Writer.TryComplete();
        if (_recording is not null) await _recording;
        await _wake.DisposeAsync();
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        var interval = _options.LeaseDuration / 3;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, ct);
                ThrowIfHalted();
                var expires = Now + _options.LeaseDuration;
                await using var batch = _db.CreateBatch();
                batch.BatchCommands.Add(Command("update durabletask.instances set lock_expires_at = $1 where locked_by = $2", expires, WorkerName));
                batch.BatchCommands.Add(Command("update durabletask.new_tasks set lock_expires_at = $1 where locked_by = $2", expires, WorkerName));
                await batch.ExecuteNonQueryAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                _logger.LogWarning(e, "Task store heartbeat failed; leases run out unless the next one succeeds");
            }
        }
    }

    // ---------------------------------------------------------------- dispatcher settings

    public int TaskOrchestrationDispatcherCount => 1;

    public int MaxConcurrentTaskOrchestrationWorkItems => _options.MaxConcurrentOrchestrations;

    public int TaskActivityDispatcherCount => 1;

    public int MaxConcurrentTaskActivityWorkItems => _options.MaxConcurrentActivities;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => BehaviorOnContinueAsNew.Carryover;

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => false;

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => 1;

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => 1;

    // ---------------------------------------------------------------- orchestration work items

    /// <summary>The most owners one activity fetch looks at (a loose index scan over the owners with ready calls; beyond it, key order).</summary>
    internal const int MaxOwnersPerFetch = 256;

    /// <summary>How many owners, on each side of the round-robin cursor, one orchestration fetch offers instances of.</summary>
    private const int OwnersPerOrchestrationFetch = 8;

    // Fair share (issue 18): round robin over the owners with visible events. The fetch starts with the owners after
    // the one this worker served last (in key order), then wraps around to the first; each offers its oldest unlocked
    // instances and the first that can be locked is taken (FOR UPDATE SKIP LOCKED, re-checking its lease). Owners are
    // found by a loose index scan, one probe each. One owner's thousands of waiting instances therefore delay another
    // owner's instance by at most one fetch per owner with work, not by the whole backlog; with one owner this is the
    // old oldest-first fetch. $4 is the owner served last (null at first).
    private static readonly string LockOrchestrationSql = $"""
        with recursive later (k, n) as (
            (select owner, 1 from durabletask.new_events where visible_at <= $2 and owner > $4 order by owner limit 1)
            union all
            select (select e.owner from durabletask.new_events e
                    where e.visible_at <= $2 and e.owner > o.k
                    order by e.owner limit 1), o.n + 1
            from later o
            where o.k is not null and o.n < {OwnersPerOrchestrationFetch}
        ),
        wrapped (k, n) as (
            (select owner, 1 from durabletask.new_events where visible_at <= $2 order by owner limit 1)
            union all
            select (select e.owner from durabletask.new_events e
                    where e.visible_at <= $2 and e.owner > o.k
                    order by e.owner limit 1), o.n + 1
            from wrapped o
            where o.k is not null and ($4::text is null or o.k < $4) and o.n < {OwnersPerOrchestrationFetch}
        ),
        turns as (
            select k, n as turn from later where k is not null
            union all
            select k, {OwnersPerOrchestrationFetch} + n from wrapped where k is not null and ($4::text is null or k <= $4)
        ),
        heads as (
            select t.turn, h.instance_id, h.visible_at, h.id
            from turns t
            cross join lateral (
                select e.instance_id, e.visible_at, e.id
                from durabletask.new_events e
                join durabletask.instances c on c.instance_id = e.instance_id
                where e.owner = t.k and e.visible_at <= $2 and (c.lock_expires_at is null or c.lock_expires_at < $2)
                order by e.visible_at, e.id
                limit 4
            ) h
        ),
        next as (
            select free.instance_id
            from (select turn, instance_id, visible_at, id from heads order by turn, visible_at, id) h
            cross join lateral (
                select c.instance_id from durabletask.instances c
                where c.instance_id = h.instance_id and (c.lock_expires_at is null or c.lock_expires_at < $2)
                for update skip locked
            ) free
            limit 1
        )
        update durabletask.instances i
        set locked_by = $1, lock_expires_at = $3
        from next
        where i.instance_id = next.instance_id
        returning i.instance_id, i.execution_id, i.status, coalesce(i.owner, ''),
            (select count(distinct instance_id) from heads) as candidates,
            (select min(visible_at) from durabletask.new_events where visible_at > $2) as next_visible
        """;

    /// <summary>The owner whose instance this worker's orchestration fetch took last: the round robin goes on after it.</summary>
    private string? _lastOwnerServed;

    public async Task<TaskOrchestrationWorkItem?> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        if (_halted) return await IdleAsync<TaskOrchestrationWorkItem>(receiveTimeout, cancellationToken);
        var clock = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested && !_halted)
        {
            if (Interlocked.Exchange(ref _handedOrchestration, null) is { } handed) return handed;
            TimeSpan wait;
            // A look with no time to wait (receiveTimeout zero) always fetches.
            if (_orchestrationsDrained is { } drained && receiveTimeout > TimeSpan.Zero)
            {
                // The last fetch took the only instance it saw: until a wake-up or the next event's visibility (both
                // known), another fetch would find nothing.
                var until = drained - Now;
                wait = until <= TimeSpan.Zero ? TimeSpan.Zero : Min(until, _options.MaxPollingInterval);
            }
            else
            {
                var item = await TryLockOrchestrationAsync(cancellationToken);
                if (item is not null) return item;
                wait = await UntilNextVisibleAsync("new_events", cancellationToken);
            }
            var remaining = receiveTimeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero) return null;
            try
            {
                _orchestrationsIdle = true;
                if (wait > TimeSpan.Zero) await _wake.WaitForOrchestrationsAsync(Min(remaining, wait), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            finally
            {
                _orchestrationsIdle = false;
                _orchestrationsDrained = null;
            }
        }
        return null;
    }

    /// <summary>
    /// Set while the orchestration dispatcher waits because its last fetch found nothing to take: nobody else's
    /// instance is waiting here, so the recorder of finished activities may lock the instance they belong to and hand
    /// it over with its new events (<see cref="_handedOrchestration"/>), saving the fetch's round trip.
    /// </summary>
    private volatile bool _orchestrationsIdle;

    /// <summary>An instance locked for this worker by the recorder of finished activities, taken by the next fetch.</summary>
    private PostgresOrchestrationWorkItem? _handedOrchestration;

    /// <summary>
    /// Set when the last orchestration fetch saw no instance with visible events but the one it took: when the next
    /// stored event becomes visible (at most the polling interval away). Cleared by any wake-up or timeout.
    /// </summary>
    private DateTimeOffset? _orchestrationsDrained;

    private async Task<TaskOrchestrationWorkItem?> TryLockOrchestrationAsync(CancellationToken ct)
    {
        while (true)
        {
            ThrowIfHalted();
            var now = Now;
            var expires = now + _options.LeaseDuration;
            await using var connection = await _db.OpenConnectionAsync(ct);
            string instanceId, executionId, status;
            await using (var lockCommand = new NpgsqlCommand(LockOrchestrationSql, connection)
            {
                Parameters =
                {
                    new() { Value = WorkerName }, new() { Value = now }, new() { Value = expires },
                    new() { Value = (object?)_lastOwnerServed ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                },
            })
            await using (var reader = await lockCommand.ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct)) return null;
                instanceId = reader.GetString(0);
                executionId = reader.GetString(1);
                status = reader.GetString(2);
                _lastOwnerServed = reader.GetString(3);
                if (reader.GetInt64(4) <= 1)
                    _orchestrationsDrained = reader.IsDBNull(5)
                        ? now + _options.MaxPollingInterval
                        : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc));
            }

            var ids = new List<long>();
            var messages = new List<TaskMessage>();
            var history = new List<HistoryEvent>();
            await using (var batch = new NpgsqlBatch(connection))
            {
                batch.BatchCommands.Add(Command(
                    "select id, message from durabletask.new_events where instance_id = $1 and visible_at <= $2 order by id", instanceId, now));
                // History is append-only within an execution: what this worker checkpointed last is still true, so
                // only events recorded since (by another worker) are read and parsed.
                if (_histories.TryGetValue(instanceId, out var cached) && cached.ExecutionId == executionId) history.AddRange(cached.Events);
                batch.BatchCommands.Add(Command(
                    "select event from durabletask.history where instance_id = $1 and execution_id = $2 and sequence >= $3 order by sequence",
                    instanceId, executionId, history.Count));
                await using var reader = await batch.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    ids.Add(reader.GetInt64(0));
                    messages.Add(MessageJson.ReadMessage(reader.GetString(1)));
                }
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct))
                    history.Add(MessageJson.ReadEvent(reader.GetString(0)));
            }

            if (Terminal.Contains(status) || messages.Count == 0)
            {
                // Late results, timers and events of a finished instance: nobody will read them.
                if (messages.Count > 0)
                    _logger.LogDebug("Discarding {Count} events of {Status} instance {InstanceId}", messages.Count, status, instanceId);
                await using var discard = new NpgsqlBatch(connection);
                discard.BatchCommands.Add(Command("delete from durabletask.new_events where id = any($1)", ids.ToArray()));
                discard.BatchCommands.Add(Command(
                    "update durabletask.instances set locked_by = null, lock_expires_at = null where instance_id = $1 and locked_by = $2", instanceId, WorkerName));
                await discard.ExecuteNonQueryAsync(ct);
                continue;
            }

            return WithSession(new PostgresOrchestrationWorkItem
            {
                InstanceId = instanceId,
                StoredExecutionId = executionId,
                EventIds = ids.ToArray(),
                NewMessages = messages,
                OrchestrationRuntimeState = new OrchestrationRuntimeState(history),
                LockedUntilUtc = expires.UtcDateTime,
            });
        }
    }

    public async Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem)
    {
        ThrowIfHalted();
        var expires = Now + _options.LeaseDuration;
        await using var renew = _db.CreateCommand(
            "update durabletask.instances set lock_expires_at = $1 where instance_id = $2 and locked_by = $3");
        AddParameters(renew, expires, workItem.InstanceId, WorkerName);
        if (await renew.ExecuteNonQueryAsync() == 0)
            throw new InvalidOperationException($"Instance {workItem.InstanceId} is no longer locked by {WorkerName}.");
        workItem.LockedUntilUtc = expires.UtcDateTime;
    }

    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage? continuedAsNewMessage,
        OrchestrationState? orchestrationState)
    {
        ThrowIfHalted();
        var item = (PostgresOrchestrationWorkItem)workItem;
        var runtime = newOrchestrationRuntimeState;
        if (orchestrationState is null || runtime.OrchestrationInstance is null)
        {
            // Nothing could be executed (e.g. only events for an instance that never started): drop the events.
            await DiscardAsync(item);
            return;
        }
        var now = Now;
        var instance = runtime.OrchestrationInstance;
        var status = orchestrationState.OrchestrationStatus.ToString();
        var finished = Terminal.Contains(status);
        var newEvents = runtime.NewEvents;
        var firstSequence = runtime.Events.Count - newEvents.Count;

        // One round trip: a batch without a transaction runs as one implicit transaction (all or nothing), and its first
        // statement fails it (division by zero) unless this worker still holds the instance's lock, which it then keeps
        // to the end. A worker whose lease ran out therefore writes nothing.
        var events = orchestratorMessages.Concat(timerMessages).ToList();
        var inFlight = InFlight(runtime.Events);
        // A session keeps the instance locked and loaded while results of its calls are on their way.
        var keep = item.Session is not null && orchestrationState.OrchestrationStatus == OrchestrationStatus.Running
            && continuedAsNewMessage is null && inFlight.Calls > 0 && !_halted && _running is not null;
        var expiresAt = now + _options.LeaseDuration;
        var arrivedMeanwhile = false;
        var arrivedIds = new List<long>();
        var arrivedMessages = new List<TaskMessage>();
        var handOff = 0;
        var handedIds = new List<long>();
        await using (var batch = _db.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('synchronous_commit', 'off', true)"));
            batch.BatchCommands.Add(Command("""
                select 1 / (select count(*)::int from (
                    select 1 from durabletask.instances where instance_id = $1 and locked_by = $2 for update) held)
                """, instance.InstanceId, WorkerName));
            batch.BatchCommands.Add(Command("""
                update durabletask.instances
                set execution_id = $2, name = $3, status = $4, input = $5, output = $6, custom_status = $7, failure = $8,
                    updated_at = $9, completed_at = case when $10 then $9 end, waiting = $12,
                    locked_by = case when $13 then locked_by end, lock_expires_at = case when $13 then $14::timestamptz end
                where instance_id = $1 and locked_by = $11
                """,
                instance.InstanceId, instance.ExecutionId, orchestrationState.Name, status,
                Text(orchestrationState.Input), Text(orchestrationState.Output), Text(orchestrationState.Status),
                Text(orchestrationState.FailureDetails is null ? null : Newtonsoft.Json.JsonConvert.SerializeObject(orchestrationState.FailureDetails)),
                now, finished, WorkerName,
                orchestrationState.OrchestrationStatus == OrchestrationStatus.Running && continuedAsNewMessage is null && inFlight is (0, 0),
                keep, expiresAt));
            if (instance.ExecutionId != item.StoredExecutionId)
                batch.BatchCommands.Add(Command("delete from durabletask.history where instance_id = $1 and execution_id <> $2", instance.InstanceId, instance.ExecutionId));
            if (item.EventIds.Length > 0)
                batch.BatchCommands.Add(Command("delete from durabletask.new_events where id = any($1)", item.EventIds));
            var historyJson = newEvents.Select(MessageJson.Write).ToArray();
            if (newEvents.Count > 0)
            {
                batch.BatchCommands.Add(Command("""
                    insert into durabletask.history (instance_id, execution_id, sequence, event_type, event, created_at)
                    select $1, $2, s, t, e, $6 from unnest($3::int[], $4::text[], $5::text[]) as h(s, t, e)
                    """,
                    instance.InstanceId, instance.ExecutionId,
                    Enumerable.Range(firstSequence, newEvents.Count).ToArray(),
                    newEvents.Select(e => e.EventType.ToString()).ToArray(),
                    historyJson,
                    now));
            }

            var starts = orchestratorMessages.Where(m => m.Event is ExecutionStartedEvent).Select(m => (ExecutionStartedEvent)m.Event).ToList();
            if (starts.Count > 0)
            {
                // Sub-orchestrations: their instance rows, owned like the parent.
                batch.BatchCommands.Add(Command("""
                    insert into durabletask.instances (instance_id, execution_id, name, version, status, input, parent_instance_id, owner, tags, created_at, updated_at)
                    select i, x, n, v, 'Pending', inp, $6, (select owner from durabletask.instances where instance_id = $6), tg, $7, $7
                    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $8::text[]) as s(i, x, n, v, inp, tg)
                    on conflict (instance_id) do nothing
                    """,
                    starts.Select(s => s.OrchestrationInstance.InstanceId).ToArray(),
                    starts.Select(s => s.OrchestrationInstance.ExecutionId).ToArray(),
                    starts.Select(s => s.Name).ToArray(),
                    starts.Select(s => s.Version ?? "").ToArray(),
                    starts.Select(s => s.Input).ToArray(),
                    instance.InstanceId, now,
                    starts.Select(s => s.Tags is null || s.Tags.Count == 0 ? null : Newtonsoft.Json.JsonConvert.SerializeObject(s.Tags)).ToArray()));
            }

            if (events.Count > 0)
                batch.BatchCommands.Add(InsertEvents(events, now));

            if (outboundMessages.Count > 0)
            {
                // Handed straight to this worker's idle activity dispatcher: the first calls are inserted locked by
                // this worker and queued here, saving the fetch's round trip. Only when the dispatcher waits with
                // nothing prefetched, so nothing of another owner's is waiting here and the fair-share fetch has
                // nothing to choose between; the rest go to whichever worker fetches them.
                handOff = _activitiesIdle && _prefetched.IsEmpty ? Math.Min(outboundMessages.Count, _options.ActivityBatchSize) : 0;
                batch.BatchCommands.Add(Command("""
                    insert into durabletask.new_tasks (instance_id, execution_id, name, visible_at, message, owner, locked_by, lock_expires_at, dequeue_count)
                    select $1, $2, n, $3, m, (select coalesce(owner, '') from durabletask.instances where instance_id = $1),
                        case when o <= $6 then $7 end, case when o <= $6 then $8::timestamptz end, case when o <= $6 then 1 else 0 end
                    from unnest($4::text[], $5::text[]) with ordinality as t(n, m, o)
                    order by o
                    returning id, locked_by is not null
                    """,
                    instance.InstanceId, instance.ExecutionId, now,
                    outboundMessages.Select(m => ((TaskScheduledEvent)m.Event).Name ?? "").ToArray(),
                    WriteCalls(outboundMessages, newEvents, historyJson),
                    handOff, WorkerName, now + _options.LeaseDuration));
                if (handOff < outboundMessages.Count) batch.BatchCommands.Add(Notify(_wake.Own(TaskWake.ActivitiesPayload)));
            }
            if (events.Count > 0)
                batch.BatchCommands.Add(Notify(_wake.Own(TaskWake.OrchestrationsPayload)));
            // Events that arrived while this replay ran (activity results, raised events) found the instance locked: a
            // fetch woken by them skipped it and went to sleep. Once the lock is released they are due at once; a
            // session that keeps the lock takes them next, read here in the same round trip.
            batch.BatchCommands.Add(keep
                ? Command("select id, message from durabletask.new_events where instance_id = $1 and visible_at <= $2 order by id", instance.InstanceId, now)
                : Command("select exists (select 1 from durabletask.new_events where instance_id = $1 and visible_at <= $2)", instance.InstanceId, now));
            try
            {
                await using var results = await batch.ExecuteReaderAsync();
                do
                {
                    if (results.FieldCount == 2 && results.GetFieldType(1) == typeof(bool))
                    {
                        while (await results.ReadAsync())
                            if (results.GetBoolean(1)) handedIds.Add(results.GetInt64(0));
                    }
                    else if (results.FieldCount == 2 && results.GetFieldType(1) == typeof(string))
                    {
                        while (await results.ReadAsync())
                        {
                            arrivedIds.Add(results.GetInt64(0));
                            arrivedMessages.Add(MessageJson.ReadMessage(results.GetString(1)));
                        }
                    }
                    else if (results.FieldCount == 1 && results.GetFieldType(0) == typeof(bool) && await results.ReadAsync() && results.GetBoolean(0))
                    {
                        arrivedMeanwhile = true;
                    }
                }
                while (await results.NextResultAsync());
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DivisionByZero)
            {
                // Our lease ran out and another worker took the instance: its replay is the one that counts.
                _logger.LogWarning("Checkpoint of {InstanceId} dropped: {Worker} no longer holds its lock", instance.InstanceId, WorkerName);
                item.HoldsLock = false;
                _sessions.TryRemove(instance.InstanceId, out _);
                return;
            }
        }
        item.StoredExecutionId = instance.ExecutionId;
        if (keep)
        {
            KeepSession(item, (arrivedIds.ToArray(), arrivedMessages));
            workItem.LockedUntilUtc = expiresAt.UtcDateTime;
        }
        else if (item.HoldsLock)
        {
            item.HoldsLock = false;
            _sessions.TryRemove(instance.InstanceId, out _);
        }
        if (finished)
        {
            _histories.TryRemove(instance.InstanceId, out _);
        }
        else
        {
            if (_histories.Count >= MaxCachedHistories) _histories.Clear();
            _histories[instance.InstanceId] = new CachedHistory(instance.ExecutionId, runtime.Events.ToArray());
        }
        if (handedIds.Count > 0)
        {
            // Ids follow insertion order, which is the calls' order.
            handedIds.Sort();
            var lockedUntil = (now + _options.LeaseDuration).UtcDateTime;
            for (var i = 0; i < handedIds.Count; i++)
                _prefetched.Enqueue(new TaskActivityWorkItem
                {
                    Id = handedIds[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
                    TaskMessage = outboundMessages[i],
                    LockedUntilUtc = lockedUntil,
                });
        }
        if (outboundMessages.Count > 0) _wake.Activities();
        if (events.Count > 0 || arrivedMeanwhile) _wake.Orchestrations();
    }

    /// <summary>The activity calls' messages, each reusing its event's JSON from the history written beside it when the message
    /// carries that very event (DurableTask.Core schedules a call with one event object for both).</summary>
    private static string[] WriteCalls(IList<TaskMessage> calls, IList<HistoryEvent> newEvents, string[] historyJson)
    {
        var json = new Dictionary<HistoryEvent, string>(newEvents.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < newEvents.Count; i++) json[newEvents[i]] = historyJson[i];
        return MessageJson.Write(calls.ToList(), e => json.GetValueOrDefault(e));
    }

    /// <summary>Activity calls and sub-orchestrations (<c>Calls</c>) and durable timers of this execution not answered yet.</summary>
    internal static (int Calls, int Timers) InFlight(IEnumerable<HistoryEvent> events)
    {
        var open = new HashSet<(EventType, int)>();
        foreach (var e in events)
        {
            switch (e)
            {
                case TaskScheduledEvent s: open.Add((EventType.TaskScheduled, s.EventId)); break;
                case TaskCompletedEvent c: open.Remove((EventType.TaskScheduled, c.TaskScheduledId)); break;
                case TaskFailedEvent f: open.Remove((EventType.TaskScheduled, f.TaskScheduledId)); break;
                case SubOrchestrationInstanceCreatedEvent s: open.Add((EventType.SubOrchestrationInstanceCreated, s.EventId)); break;
                case SubOrchestrationInstanceCompletedEvent c: open.Remove((EventType.SubOrchestrationInstanceCreated, c.TaskScheduledId)); break;
                case SubOrchestrationInstanceFailedEvent f: open.Remove((EventType.SubOrchestrationInstanceCreated, f.TaskScheduledId)); break;
                case TimerCreatedEvent t: open.Add((EventType.TimerCreated, t.EventId)); break;
                case TimerFiredEvent t: open.Remove((EventType.TimerCreated, t.TimerId)); break;
            }
        }
        var timers = open.Count(o => o.Item1 == EventType.TimerCreated);
        return (open.Count - timers, timers);
    }

    /// <summary>
    /// No activity call, sub-orchestration or durable timer of this execution is outstanding: a running instance in
    /// this state only waits for an external event (the state-machine engine's "Waiting"). A timer the orchestrator
    /// cancelled still counts until it fires, as DurableTask.Core records no cancellation.
    /// </summary>
    internal static bool NothingInFlight(IEnumerable<HistoryEvent> events) => InFlight(events) is (0, 0);

    private async Task DiscardAsync(PostgresOrchestrationWorkItem item)
    {
        if (item.HoldsLock)
        {
            item.HoldsLock = false;
            _sessions.TryRemove(item.InstanceId, out _);
        }
        await using var batch = _db.CreateBatch();
        batch.BatchCommands.Add(Command("delete from durabletask.new_events where id = any($1)", item.EventIds));
        batch.BatchCommands.Add(Command(
            "update durabletask.instances set locked_by = null, lock_expires_at = null where instance_id = $1 and locked_by = $2", item.InstanceId, WorkerName));
        await batch.ExecuteNonQueryAsync();
    }

    public async Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        if (workItem is PostgresOrchestrationWorkItem { HoldsLock: true } held)
        {
            held.HoldsLock = false;
            _sessions.TryRemove(held.InstanceId, out _);
        }
        if (_halted) return;
        // The events stay; the instance rests a second before another try, so a failing replay does not spin.
        await using var release = _db.CreateCommand(
            "update durabletask.instances set locked_by = null, lock_expires_at = $3 where instance_id = $1 and locked_by = $2");
        AddParameters(release, workItem.InstanceId, WorkerName, Now + TimeSpan.FromSeconds(1));
        await release.ExecuteNonQueryAsync();
    }

    /// <summary>The checkpoint released the instance, unless it kept it for a session: then the session ends here.</summary>
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) =>
        workItem is PostgresOrchestrationWorkItem { HoldsLock: true } item ? EndSessionAsync(item) : Task.CompletedTask;

    // ---------------------------------------------------------------- activity work items

    // Fair share (issue 18), as in the job queue: the owners with ready calls are found by a loose index scan, each
    // offers its oldest ones, and a call's turn is its place in its owner's line, so a batch takes every owner's first
    // call before anyone's second (oldest first within a turn). One owner's backlog therefore delays another owner's
    // call by at most one place per owner with work. Candidates are locked in turn order until the batch is full; one
    // another worker holds is skipped.
    private static readonly string LockActivitiesSql = $"""
        with recursive owners (k, n) as (
            (select owner, 1 from durabletask.new_tasks
             where visible_at <= $2 and (lock_expires_at is null or lock_expires_at < $2)
             order by owner limit 1)
            union all
            select (select t.owner from durabletask.new_tasks t
                    where t.visible_at <= $2 and (t.lock_expires_at is null or t.lock_expires_at < $2) and t.owner > o.k
                    order by t.owner limit 1), o.n + 1
            from owners o
            where o.k is not null and o.n < {MaxOwnersPerFetch}
        ),
        candidates as (
            select c.id, c.visible_at, row_number() over (partition by a.k order by c.visible_at, c.id) as turn
            from owners a
            cross join lateral (
                select t.id, t.visible_at from durabletask.new_tasks t
                where t.owner = a.k and t.visible_at <= $2 and (t.lock_expires_at is null or t.lock_expires_at < $2)
                order by t.visible_at, t.id
                limit $4
            ) c
            where a.k is not null
        ),
        next as (
            select c.id, c.turn, c.visible_at
            from (select id, turn, visible_at from candidates order by turn, visible_at, id) c
            cross join lateral (
                select 1 from durabletask.new_tasks t
                where t.id = c.id and (t.lock_expires_at is null or t.lock_expires_at < $2)
                for update skip locked
            ) free
            limit $4
        ),
        taken as (
            update durabletask.new_tasks t
            set locked_by = $1, lock_expires_at = $3, dequeue_count = t.dequeue_count + 1
            from next
            where t.id = next.id
            returning t.id, t.message, next.turn, next.visible_at
        )
        select id, message from taken order by turn, visible_at, id
        """;

    public async Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        if (_halted) return await IdleAsync<TaskActivityWorkItem>(receiveTimeout, cancellationToken);
        var clock = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested && !_halted)
        {
            if (await TakePrefetchedAsync(cancellationToken) is { } ready) return ready;
            // A fetch that found fewer calls than it asked for left none behind: until a wake-up (a new call here or
            // elsewhere) or the polling interval, another fetch would find nothing, so the dispatcher waits instead.
            if (!_activitiesDrained || receiveTimeout <= TimeSpan.Zero)
            {
                await _activityFetch.WaitAsync(cancellationToken);
                try
                {
                    if (_prefetched.IsEmpty) _activitiesDrained = await FetchActivitiesAsync(_options.ActivityBatchSize, cancellationToken) < _options.ActivityBatchSize;
                }
                finally
                {
                    _activityFetch.Release();
                }
                if (await TakePrefetchedAsync(cancellationToken) is { } fetched) return fetched;
            }
            var remaining = receiveTimeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero) return null;
            // Calls become visible later only when abandoned (a second's rest) or when a killed worker's lease runs
            // out, both found by the polling; this worker's own abandons are waited for exactly.
            var wait = _options.MaxPollingInterval;
            var abandoned = new DateTimeOffset(Interlocked.Read(ref _abandonedVisibleAtTicks), TimeSpan.Zero) - Now;
            if (abandoned > TimeSpan.Zero) wait = Min(wait, abandoned);
            try
            {
                _activitiesIdle = _prefetched.IsEmpty;
                await _wake.WaitForActivitiesAsync(Min(remaining, wait), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            finally
            {
                _activitiesIdle = false;
                _activitiesDrained = false;
            }
        }
        return null;
    }

    /// <summary>Set while the activity dispatcher waits for work with nothing prefetched: a checkpoint may hand it its new calls.</summary>
    private volatile bool _activitiesIdle;

    /// <summary>Set when the last activity fetch found fewer calls than it asked for; cleared by any wake-up or timeout.</summary>
    private volatile bool _activitiesDrained;

    /// <summary>When the latest call this worker abandoned becomes visible again (UTC ticks; 0: none).</summary>
    private long _abandonedVisibleAtTicks;

    /// <summary>
    /// The next prefetched call. A batch is fetched at once but the dispatcher takes one call per free slot, so a call can
    /// wait in the batch while its lease runs down (under load, past it: another worker then takes it too). Once half its
    /// lease is gone, it is renewed before it is handed out, and dropped when it is no longer this worker's.
    /// </summary>
    private async Task<TaskActivityWorkItem?> TakePrefetchedAsync(CancellationToken ct)
    {
        while (_prefetched.TryDequeue(out var item))
        {
            var now = Now;
            if (item.LockedUntilUtc - now.UtcDateTime > _options.LeaseDuration / 2) return item;
            var expires = now + _options.LeaseDuration;
            await using var renew = _db.CreateCommand("update durabletask.new_tasks set lock_expires_at = $1 where id = $2 and locked_by = $3");
            AddParameters(renew, expires, TaskId(item), WorkerName);
            if (await renew.ExecuteNonQueryAsync(ct) == 1)
            {
                item.LockedUntilUtc = expires.UtcDateTime;
                return item;
            }
            _logger.LogDebug("Prefetched activity {TaskId} of {InstanceId} dropped: another worker took it after its lease ran out",
                item.Id, item.TaskMessage.OrchestrationInstance.InstanceId);
        }
        return null;
    }

    private async Task<int> FetchActivitiesAsync(int limit, CancellationToken ct)
    {
        var count = 0;
        ThrowIfHalted();
        var now = Now;
        var expires = now + _options.LeaseDuration;
        await using var fetch = _db.CreateCommand(LockActivitiesSql);
        AddParameters(fetch, WorkerName, now, expires, limit);
        await using var reader = await fetch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var message = MessageJson.ReadMessage(reader.GetString(1));
            _prefetched.Enqueue(new TaskActivityWorkItem
            {
                Id = reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                TaskMessage = message,
                LockedUntilUtc = expires.UtcDateTime,
            });
            count++;
        }
        return count;
    }

    public async Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem)
    {
        ThrowIfHalted();
        var expires = Now + _options.LeaseDuration;
        await using var renew = _db.CreateCommand("update durabletask.new_tasks set lock_expires_at = $1 where id = $2 and locked_by = $3");
        AddParameters(renew, expires, TaskId(workItem), WorkerName);
        await renew.ExecuteNonQueryAsync();
        workItem.LockedUntilUtc = expires.UtcDateTime;
        return workItem;
    }

    /// <summary>Once <paramref name="shutdown"/> is cancelled, an activity that ends cancelled is handed back, not recorded as failed.</summary>
    internal void HandBackCancelledActivitiesAfter(CancellationToken shutdown) => _shutdown = shutdown;

    private CancellationToken _shutdown;

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        ThrowIfHalted();
        if (_shutdown.IsCancellationRequested && responseMessage.Event is TaskFailedEvent { FailureDetails: { } failure }
            && failure.IsCausedBy<OperationCanceledException>())
        {
            // Stopped by the host's shutdown, not failed: the call goes back at once for this or another worker to run.
            await using var handBack = _db.CreateCommand(
                "update durabletask.new_tasks set locked_by = null, lock_expires_at = null where id = $1 and locked_by = $2");
            AddParameters(handBack, TaskId(workItem), WorkerName);
            await handBack.ExecuteNonQueryAsync();
            _logger.LogInformation("Activity {Name} of {InstanceId} was cancelled by the shutdown and goes back to the store",
                ((TaskScheduledEvent)workItem.TaskMessage.Event).Name, workItem.TaskMessage.OrchestrationInstance.InstanceId);
            return;
        }
        // The slot stays taken until the result is recorded (with whatever else finished meanwhile: group commit), so
        // a killed worker can have run at most its slots' worth of calls whose results are lost.
        var completion = new ActivityCompletion(TaskId(workItem), workItem.TaskMessage.OrchestrationInstance.InstanceId, responseMessage,
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_completions.Writer.TryWrite(completion)) throw new OperationCanceledException("The task store is stopping.");
        if (!await completion.Recorded.Task)
            _logger.LogWarning("Result of activity {TaskId} of {InstanceId} dropped: its lease ran out and another worker took it",
                workItem.Id, completion.InstanceId);
    }

    /// <summary>A finished activity waiting to be recorded; true when its row was still this worker's.</summary>
    private sealed record ActivityCompletion(long TaskId, string InstanceId, TaskMessage Response, TaskCompletionSource<bool> Recorded);

    /// <summary>
    /// Records finished activities in batches: whatever finished while the previous batch was being written goes in
    /// the next statement (delete the rows still locked by this worker, insert their results as the instances'
    /// events, one notification). Under load this turns one commit per activity into one per batch.
    /// </summary>
    private async Task RecordCompletionsAsync()
    {
        var reader = _completions.Reader;
        var batch = new List<ActivityCompletion>(256);
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < 500 && reader.TryRead(out var next)) batch.Add(next);
            try
            {
                ThrowIfHalted();
                var now = Now;
                await using var command = _db.CreateBatch();
                command.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('synchronous_commit', 'off', true)"));
                var record = Command("""
                    with done as (
                        delete from durabletask.new_tasks t
                        using unnest($1::bigint[], $2::text[], $3::text[]) as c(id, event_type, message)
                        where t.id = c.id and t.locked_by = $4
                        returning t.id, t.instance_id, t.execution_id, t.owner, c.event_type, c.message
                    )
                    insert into durabletask.new_events (instance_id, execution_id, event_type, visible_at, message, owner)
                    select instance_id, execution_id, event_type, $5, message, owner from done order by id
                    returning (select array_agg(id) from done)
                    """,
                    batch.Select(c => c.TaskId).ToArray(),
                    batch.Select(c => c.Response.Event.EventType.ToString()).ToArray(),
                    batch.Select(c => MessageJson.Write(c.Response)).ToArray(),
                    WorkerName, now);
                command.BatchCommands.Add(record);
                command.BatchCommands.Add(Notify(_wake.Own(TaskWake.OrchestrationsPayload)));
                // The orchestration dispatcher waits with nothing to do: lock the instance of the first result whose
                // history this worker holds (it ran its last replay: the usual case) and read its new events and any
                // history recorded since, in the same round trip, for the dispatcher to take without a fetch.
                var expires = now + _options.LeaseDuration;
                var handTo = _orchestrationsIdle && Volatile.Read(ref _handedOrchestration) is null
                    ? batch.Select(c => !_sessions.ContainsKey(c.InstanceId) && _histories.TryGetValue(c.InstanceId, out var h) ? (c.InstanceId, History: h) : default).FirstOrDefault(c => c.InstanceId is not null)
                    : default;
                if (handTo.InstanceId is not null)
                {
                    command.BatchCommands.Add(Command("""
                        update durabletask.instances i set locked_by = $1, lock_expires_at = $2
                        where i.instance_id = (
                            select c.instance_id from durabletask.instances c
                            where c.instance_id = $3 and c.execution_id = $5 and (c.lock_expires_at is null or c.lock_expires_at < $4)
                            for update skip locked)
                        returning i.status
                        """, WorkerName, expires, handTo.InstanceId, now, handTo.History.ExecutionId));
                    const string held = "exists (select 1 from durabletask.instances where instance_id = $3 and locked_by = $1 and lock_expires_at = $2)";
                    command.BatchCommands.Add(Command(
                        $"select id, message from durabletask.new_events where instance_id = $3 and visible_at <= $4 and {held} order by id",
                        WorkerName, expires, handTo.InstanceId, now));
                    command.BatchCommands.Add(Command(
                        $"select event from durabletask.history where instance_id = $3 and execution_id = $4 and sequence >= $5 and {held} order by sequence",
                        WorkerName, expires, handTo.InstanceId, handTo.History.ExecutionId, handTo.History.Events.Length));
                }
                // The slots these results free need calls: the same round trip locks the next ones (the fair-share fetch,
                // so no more than a batch waits here), and they are queued before the slots are released. They are
                // this worker's like any fetched call: handed back at stop, renewed when they wait, taken over by
                // another worker when this one dies. Not while stopping, when the stop's hand-back may have run.
                var refill = _running is { IsCancellationRequested: false } && !_halted
                    ? Math.Min(batch.Count, _options.ActivityBatchSize - _prefetched.Count)
                    : 0;
                if (refill > 0)
                {
                    var fetch = Command(LockActivitiesSql, WorkerName, now, expires, refill);
                    command.BatchCommands.Add(fetch);
                }
                var refilled = new List<TaskActivityWorkItem>();
                var recorded = new HashSet<long>();
                string? handedStatus = null;
                var handedIds = new List<long>();
                var handedMessages = new List<TaskMessage>();
                var handedHistory = new List<HistoryEvent>();
                await using (var rows = await command.ExecuteReaderAsync())
                {
                    await rows.NextResultAsync(); // past set_config
                    if (await rows.ReadAsync() && !rows.IsDBNull(0)) recorded.UnionWith(rows.GetFieldValue<long[]>(0));
                    if (handTo.InstanceId is not null)
                    {
                        await rows.NextResultAsync(); // past the notification
                        await rows.NextResultAsync();
                        if (await rows.ReadAsync()) handedStatus = rows.GetString(0);
                        await rows.NextResultAsync();
                        while (await rows.ReadAsync())
                        {
                            handedIds.Add(rows.GetInt64(0));
                            handedMessages.Add(MessageJson.ReadMessage(rows.GetString(1)));
                        }
                        await rows.NextResultAsync();
                        while (await rows.ReadAsync()) handedHistory.Add(MessageJson.ReadEvent(rows.GetString(0)));
                    }
                    if (refill > 0)
                    {
                        if (handTo.InstanceId is null) await rows.NextResultAsync(); // past the notification
                        await rows.NextResultAsync();
                        while (await rows.ReadAsync())
                            refilled.Add(new TaskActivityWorkItem
                            {
                                Id = rows.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                                TaskMessage = MessageJson.ReadMessage(rows.GetString(1)),
                                LockedUntilUtc = expires.UtcDateTime,
                            });
                    }
                }
                foreach (var item in refilled) _prefetched.Enqueue(item);
                if (refilled.Count > 0) _wake.Activities();
                if (handedStatus is not null)
                {
                    if (Terminal.Contains(handedStatus) || handedMessages.Count == 0)
                    {
                        // Nothing to replay after all: the usual fetch deals with (and discards) what is there.
                        await using var release = _db.CreateCommand(
                            "update durabletask.instances set locked_by = null, lock_expires_at = null where instance_id = $1 and locked_by = $2");
                        AddParameters(release, handTo.InstanceId, WorkerName);
                        await release.ExecuteNonQueryAsync();
                    }
                    else
                    {
                        Volatile.Write(ref _handedOrchestration, WithSession(new PostgresOrchestrationWorkItem
                        {
                            InstanceId = handTo.InstanceId,
                            StoredExecutionId = handTo.History.ExecutionId,
                            EventIds = handedIds.ToArray(),
                            NewMessages = handedMessages,
                            OrchestrationRuntimeState = new OrchestrationRuntimeState([.. handTo.History.Events, .. handedHistory]),
                            LockedUntilUtc = expires.UtcDateTime,
                        }));
                    }
                }
                foreach (var c in batch) c.Recorded.TrySetResult(recorded.Contains(c.TaskId));
                // Results for instances this worker holds in a session go to the session; the rest to the fetch.
                var forFetch = false;
                foreach (var c in batch) forFetch |= !WakeSession(c.InstanceId);
                if (forFetch) _wake.Orchestrations();
            }
            catch (Exception e)
            {
                foreach (var c in batch) c.Recorded.TrySetException(e);
            }
            batch.Clear();
        }
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        if (_halted) return;
        await using var release = _db.CreateCommand(
            "update durabletask.new_tasks set locked_by = null, lock_expires_at = null, visible_at = $3 where id = $1 and locked_by = $2");
        var visibleAt = Now + TimeSpan.FromSeconds(1);
        AddParameters(release, TaskId(workItem), WorkerName, visibleAt);
        await release.ExecuteNonQueryAsync();
        Interlocked.Exchange(ref _abandonedVisibleAtTicks, visibleAt.UtcTicks);
    }

    private static long TaskId(TaskActivityWorkItem workItem) => long.Parse(workItem.Id, System.Globalization.CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- helpers

    /// <summary>Whether <paramref name="instanceId"/> has events visible at this store's "now": what the next fetch would take.</summary>
    internal async Task<bool> HasDueEventsAsync(string instanceId, CancellationToken ct)
    {
        await using var due = _db.CreateCommand("select exists (select 1 from durabletask.new_events where instance_id = $1 and visible_at <= $2)");
        AddParameters(due, instanceId, Now);
        return (bool)(await due.ExecuteScalarAsync(ct))!;
    }

    /// <summary>How long until the next row of <paramref name="table"/> becomes visible, at most the polling interval.</summary>
    private async Task<TimeSpan> UntilNextVisibleAsync(string table, CancellationToken ct)
    {
        var now = Now;
        await using var next = _db.CreateCommand($"select min(visible_at) from durabletask.{table} where visible_at > $1");
        next.Parameters.Add(new NpgsqlParameter { Value = now });
        var result = await next.ExecuteScalarAsync(ct);
        if (result is DateTime at)
        {
            var until = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) - now;
            return Min(until < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : until, _options.MaxPollingInterval);
        }
        return _options.MaxPollingInterval;
    }

    internal static NpgsqlBatchCommand InsertEvents(IReadOnlyList<TaskMessage> messages, DateTimeOffset now) => Command("""
        insert into durabletask.new_events (instance_id, execution_id, event_type, visible_at, message, owner)
        select e.i, e.x, e.t, e.v, e.m, coalesce(s.owner, '')
        from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) with ordinality as e(i, x, t, v, m, n)
        join durabletask.instances s on s.instance_id = e.i
        order by e.n
        """,
        messages.Select(m => m.OrchestrationInstance.InstanceId).ToArray(),
        messages.Select(m => m.OrchestrationInstance.ExecutionId).ToArray(),
        messages.Select(m => m.Event.EventType.ToString()).ToArray(),
        messages.Select(m => VisibleAt(m, now)).ToArray(),
        messages.Select(MessageJson.Write).ToArray());

    private static DateTimeOffset VisibleAt(TaskMessage message, DateTimeOffset now) => message.Event switch
    {
        TimerFiredEvent timer => new DateTimeOffset(DateTime.SpecifyKind(timer.FireAt, DateTimeKind.Utc)),
        ExecutionStartedEvent { ScheduledStartTime: { } at } => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        _ => now,
    };

    internal static NpgsqlBatchCommand Notify(string payload) => Command("select pg_notify($1, $2)", TaskWake.Channel, payload);

    internal static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(Parameter(value));
        return command;
    }

    internal static void AddParameters(NpgsqlCommand command, params object?[] values)
    {
        foreach (var value in values) command.Parameters.Add(Parameter(value));
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        TextValue t => new NpgsqlParameter { Value = (object?)t.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        string?[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        _ => new NpgsqlParameter { Value = value },
    };

    private sealed record TextValue(string? Value);

    private static TextValue Text(string? value) => new(value);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The history of an execution as this worker last checkpointed it.</summary>
    private sealed record CachedHistory(string ExecutionId, HistoryEvent[] Events);

    /// <summary>A locked instance with the ids of the events it consumes.</summary>
    private sealed class PostgresOrchestrationWorkItem : TaskOrchestrationWorkItem
    {
        /// <summary>The execution the stored history belongs to (changes with continue-as-new).</summary>
        public required string StoredExecutionId { get; set; }

        /// <summary>The <c>new_events</c> rows the next checkpoint consumes.</summary>
        public required long[] EventIds { get; set; }

        /// <summary>The last checkpoint kept the instance locked for a session: ending the session unlocks it.</summary>
        public bool HoldsLock { get; set; }
    }
}
