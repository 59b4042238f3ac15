using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.History;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable.Tasks;

/// <summary>
/// Moves what the state-machine engine of earlier versions (schema <c>durable</c>, whose runtime is gone) left in the
/// database to the Durable Task store, so a host upgraded mid-flight loses nothing and everything reads one store.
/// An unfinished instance whose orchestration name is registered here moves in one transaction: its old rows
/// (instance, pending events, backlog, activity and timer jobs) are deleted and a new instance with the same id, name,
/// owner and input is started, with every external event the old engine had received but not yet delivered (buffered
/// or pending) raised on it in order. The new orchestrator starts from the beginning, which is safe because activities
/// start from their own rows and never do a thing twice; time already spent waiting is not credited. A pending
/// termination terminates the old instance instead. A finished instance (any name) moves as a finished record (status,
/// input, output or error, custom status, owner, times) without history, so the management API, erasure and retention
/// see it. Unfinished instances of names this host does not run stay where they are. Runs at start and then every
/// minute (a replica of the previous version may still run old instances during a rolling upgrade).
/// </summary>
public sealed class StateMachineUpgrade(
    NpgsqlDataSource db,
    PostgresOrchestrationService store,
    TaskRegistry registry,
    DatabaseReadiness readiness,
    IOptions<DurableOptions> durable,
    TimeProvider time,
    ILogger<StateMachineUpgrade> logger) : BackgroundService
{
    /// <summary>How often the old engine's tables are looked at again after the first pass.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!durable.Value.RunWorkers) return;
        try
        {
            await readiness.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await MoveAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(e, "Moving old-engine orchestrations failed; trying again later");
                }
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Moves every unfinished old-engine instance of a name registered here, then every finished one; returns how many moved.</summary>
    public async Task<int> MoveAsync(CancellationToken ct)
    {
        var names = registry.Orchestrators.Keys.ToArray();
        var moved = 0;
        while (names.Length > 0)
        {
            var (taken, started) = await MoveBatchAsync(names, ct);
            moved += started;
            if (taken == 0) break;
        }
        while (true)
        {
            var batch = await MoveFinishedBatchAsync(ct);
            moved += batch;
            if (batch == 0) return moved;
        }
    }

    /// <summary>
    /// Moves up to 200 finished old-engine instances as finished records of the task store. An id the task store already
    /// holds (a singleton started anew since) keeps the task store's instance; the old one is dropped.
    /// </summary>
    private async Task<int> MoveFinishedBatchAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var rows = new List<(string Id, string Type, string Status, string? Owner, string Input, string? Custom, string? Output, string? Error,
            DateTimeOffset Created, DateTimeOffset Updated, DateTimeOffset? Completed)>();
        await using (var select = new NpgsqlCommand("""
            select id, type, status, owner, input::text, custom_status::text, output::text, error, created_at, updated_at, completed_at
            from durable.instances
            where status in ('Completed', 'Failed', 'Terminated')
            order by created_at
            limit 200
            for update skip locked
            """, connection, tx))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(3), reader.GetString(4), Text(5), Text(6), Text(7),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
                    reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }
        if (rows.Count == 0) return 0;

        // As the task store writes them: a terminated instance's output is its reason (a JSON string), a failed one's
        // failure is DurableTask.Core's FailureDetails.
        string? Output((string Status, string? Output, string? Error) r) => r.Status switch
        {
            "Completed" => r.Output,
            "Terminated" => JsonSerializer.Serialize(r.Error ?? "Terminated."),
            _ => null,
        };
        string? Failure((string Status, string? Error) r) => r.Status == "Failed"
            ? Newtonsoft.Json.JsonConvert.SerializeObject(new FailureDetails("OrchestrationFailed", r.Error ?? "The orchestration failed.", null, null, true))
            : null;
        await using (var insert = new NpgsqlCommand("""
            insert into durabletask.instances
                (instance_id, execution_id, name, version, status, input, output, custom_status, failure, owner, created_at, updated_at, completed_at)
            select i, md5(i), n, '', s, inp, o, c, f, w, cr, up, coalesce(co, up)
            from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::timestamptz[], $10::timestamptz[], $11::timestamptz[]) as r(i, n, s, inp, o, c, f, w, cr, up, co)
            on conflict (instance_id) do nothing
            """, connection, tx))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Id).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Type).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Status).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Input).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => Output((r.Status, r.Output, r.Error))).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Custom).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => Failure((r.Status, r.Error))).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Owner).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Created).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Updated).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Completed).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }
        await ExecuteAsync(connection, tx, """
            with j as (
                delete from durable.jobs where instance_id = any($1) and state in ('ready', 'running', 'dead')
            ), e as (
                delete from durable.events where instance_id = any($1)
            ), b as (
                delete from durable.backlog where instance_id = any($1)
            )
            delete from durable.instances where id = any($1)
            """, ct, [rows.Select(r => r.Id).ToArray()]); // one parameter, the array (not the array as the parameter list)
        await tx.CommitAsync(ct);
        logger.LogInformation("Moved {Count} finished old-engine orchestration(s) to the Durable Task store", rows.Count);
        return rows.Count;
    }

    /// <summary>Moves up to 50 unfinished instances; returns how many it took and how many of them it started on the task store
    /// (the others had a pending termination: they are finished now, and move with the finished ones).</summary>
    private async Task<(int Taken, int Started)> MoveBatchAsync(string[] names, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var old = new List<(string Id, string Type, string? Owner, string Input)>();
        await using (var select = new NpgsqlCommand("""
            select id, type, owner, input::text from durable.instances
            where type = any($1) and status not in ('Completed', 'Failed', 'Terminated')
            order by created_at
            limit 50
            for update skip locked
            """, connection, tx))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = names });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                old.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
        }
        if (old.Count == 0) return (0, 0);

        var started = 0;
        foreach (var (id, type, owner, input) in old)
        {
            var terminatedFor = await TerminationAsync(connection, tx, id, ct);
            if (terminatedFor is not null)
            {
                await ExecuteAsync(connection, tx, """
                    update durable.instances set status = 'Terminated', error = $2, updated_at = $3, completed_at = $3 where id = $1
                    """, ct, id, terminatedFor, time.GetUtcNow());
                await ExecuteAsync(connection, tx, Leftovers(includeInstance: false), ct, id);
                logger.LogInformation("Old-engine orchestration {InstanceId} ({Type}) had a pending termination: terminated, moved as finished", id, type);
                continue;
            }
            var events = await UndeliveredEventsAsync(connection, tx, id, ct);
            await ExecuteAsync(connection, tx, Leftovers(includeInstance: true), ct, id);
            var instance = new OrchestrationInstance { InstanceId = id, ExecutionId = Guid.NewGuid().ToString("N") };
            var start = new TaskMessage
            {
                OrchestrationInstance = instance,
                Event = new ExecutionStartedEvent(-1, input) { Name = type, Version = string.Empty, OrchestrationInstance = instance },
            };
            await store.CreateAsync(connection, tx, start, owner, replaceableStatuses: ["Completed", "Failed", "Terminated", "Canceled"], ct);
            await store.SendAsync(events.Select(e => new TaskMessage
            {
                OrchestrationInstance = new OrchestrationInstance { InstanceId = id },
                Event = new EventRaisedEvent(-1, e.Payload) { Name = e.Name },
            }).ToList(), tx, ct);
            logger.LogInformation("Moved old-engine orchestration {InstanceId} ({Type}) to the Durable Task store with {Events} undelivered event(s)",
                id, type, events.Count);
            started++;
        }
        await tx.CommitAsync(ct);
        return (old.Count, started);
    }

    /// <summary>The reason of a termination the old engine received and has not applied, or null.</summary>
    private static async Task<string?> TerminationAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string id, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(
            "select coalesce(name, 'Terminated.') from durable.events where instance_id = $1 and kind = 'terminate' order by seq limit 1", connection, tx);
        read.Parameters.Add(new NpgsqlParameter { Value = id });
        return (string?)await read.ExecuteScalarAsync(ct);
    }

    /// <summary>External events received and not yet delivered: first those buffered in the instance (oldest first), then those not yet applied.</summary>
    private static async Task<List<(string Name, string? Payload)>> UndeliveredEventsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string id,
        CancellationToken ct)
    {
        await using var read = new NpgsqlCommand("""
            select name, payload from (
                select b.key as name, p.value::text as payload, 0 as source, p.n as position
                from durable.instances i
                cross join lateral jsonb_each(coalesce(i.runtime -> 'buffered', '{}'::jsonb)) as b
                cross join lateral jsonb_array_elements(b.value) with ordinality as p(value, n)
                where i.id = $1
                union all
                select name, payload::text, 1, seq from durable.events where instance_id = $1 and kind = 'event_raised'
            ) e
            order by source, position
            """, connection, tx);
        read.Parameters.Add(new NpgsqlParameter { Value = id });
        var events = new List<(string, string?)>();
        await using var reader = await read.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) events.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        return events;
    }

    private static string Leftovers(bool includeInstance) => $"""
        with j as (
            delete from durable.jobs where instance_id = $1 and state in ('ready', 'running', 'dead')
        ), e as (
            delete from durable.events where instance_id = $1
        ){(includeInstance ? ", i as (delete from durable.instances where id = $1)" : "")}
        delete from durable.backlog where instance_id = $1
        """;

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
