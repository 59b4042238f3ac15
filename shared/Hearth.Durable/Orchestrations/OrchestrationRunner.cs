using System.Text.Json;
using Hearth.Durable.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Durable.Orchestrations;

/// <summary>
/// Runs one step of an instance: loads it and its pending events, applies them in order, and writes the new state,
/// the consumed events and every command in one transaction guarded by the instance's version (optimistic
/// concurrency). A concurrent step on the same instance makes this one reload and try again.
/// </summary>
internal sealed class OrchestrationRunner(
    NpgsqlDataSource db,
    DurableRegistry registry,
    IServiceProvider services,
    IOptions<DurableOptions> optionsAccessor,
    TimeProvider time,
    ILogger<OrchestrationRunner> logger)
{
    private const int EventsPerStep = 500;
    private readonly DurableOptions _options = optionsAccessor.Value;
    private readonly Dictionary<string, IOrchestrationDefinition> _definitions = new(StringComparer.Ordinal);

    public async Task StepAsync(string instanceId, CancellationToken ct)
    {
        for (var conflicts = 0; ; )
        {
            var outcome = await TryStepAsync(instanceId, ct);
            if (outcome == StepOutcome.MoreEvents) continue;
            if (outcome != StepOutcome.Conflict) return;
            if (++conflicts > 20)
                throw new InvalidOperationException($"Instance {instanceId}: too many concurrent updates.");
            await Task.Delay(Random.Shared.Next(1, 5 * conflicts), ct);
        }
    }

    private enum StepOutcome { Done, MoreEvents, Conflict }

    private async Task<StepOutcome> TryStepAsync(string instanceId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        InstanceRow? row;
        var events = new List<StoredEvent>();
        await using var load = Bookkeeping.Batch(connection);
        load.BatchCommands.Add(new NpgsqlBatchCommand("select type, status, version, generation, input::text, state::text, runtime::text, owner from durable.instances where id = @id")
            { Parameters = { new("id", instanceId) } });
        load.BatchCommands.Add(new NpgsqlBatchCommand("select seq, kind, name, call_id, payload::text from durable.events where instance_id = @id order by seq limit @limit")
            { Parameters = { new("id", instanceId), new("limit", EventsPerStep) } });
        await using (var reader = await load.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct); // past the planner settings
            row = await reader.ReadAsync(ct)
                ? new InstanceRow(reader.GetString(0), Enum.Parse<OrchestrationRuntimeStatus>(reader.GetString(1)), reader.GetInt32(2), reader.GetInt32(3),
                    reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7))
                : null;
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                events.Add(new StoredEvent(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : ParseJson(reader.GetString(4))));
            }
        }
        if (events.Count == 0) return StepOutcome.Done;

        if (row is null || row.Status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
        {
            // Late results for a finished (or purged) instance: consume them.
            await using var consume = new NpgsqlCommand("delete from durable.events where instance_id = @id and seq <= @seq", connection)
            { Parameters = { new("id", instanceId), new("seq", events[^1].Seq) } };
            await consume.ExecuteNonQueryAsync(ct);
            return events.Count == EventsPerStep ? StepOutcome.MoreEvents : StepOutcome.Done;
        }

        var definition = Definition(row.Type);
        var book = JsonSerializer.Deserialize<InstanceBook>(row.Runtime, DurableJson.Options) ?? new InstanceBook();
        var core = new OrchestrationCore(instanceId, row.Generation, book, time.GetUtcNow(), IsActivity, logger);
        var inputJson = row.Input;
        var stateJson = row.State;
        definition.Apply(core, ref inputJson, ref stateJson, events);
        var status = core.ResolveStatus();

        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var write = Bookkeeping.Batch(connection, tx);
        var now = core.Now;
        var final = core.IsFinished;
        var continuing = core.ContinueAsNewInputJson is not null;

        var update = new NpgsqlBatchCommand("""
            update durable.instances
            set status = @status, input = @input::jsonb, state = @state::jsonb, runtime = @runtime::jsonb,
                custom_status = case when @custom_changed then @custom::jsonb else custom_status end,
                output = @output::jsonb, error = @error, generation = @generation, version = version + 1,
                updated_at = @now, completed_at = case when @final then @now end
            where id = @id and version = @version
            """)
        {
            Parameters =
            {
                new("id", instanceId), new("version", row.Version), new("status", status.ToString()),
                new("input", inputJson), new("state", stateJson),
                new("runtime", JsonSerializer.Serialize(continuing ? new InstanceBook() : core.Book, DurableJson.Options)),
                new("custom_changed", core.CustomStatusChanged), new("custom", (object?)core.CustomStatusJson ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text },
                new("output", (object?)core.OutputJson ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text },
                new("error", (object?)core.Error ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text },
                new("generation", continuing ? row.Generation + 1 : row.Generation),
                new("now", now), new("final", final),
            },
        };
        write.BatchCommands.Add(update);
        write.BatchCommands.Add(new NpgsqlBatchCommand("delete from durable.events where instance_id = @id and seq <= @seq")
        { Parameters = { new("id", instanceId), new("seq", final ? events[^1].Seq : core.LastSeq) } });

        if (final || continuing)
        {
            // Drop what the finished generation still had queued; running activities report into the void.
            write.BatchCommands.Add(new NpgsqlBatchCommand("delete from durable.backlog where instance_id = @id") { Parameters = { new("id", instanceId) } });
            write.BatchCommands.Add(new NpgsqlBatchCommand(
                "update durable.jobs set state = 'cancelled', finished_at = @now where instance_id = @id and kind in (1, 2) and state = 'ready'")
            { Parameters = { new("id", instanceId), new("now", now) } });
        }
        if (final)
        {
            write.BatchCommands.Add(new NpgsqlBatchCommand("select pg_notify('durable_instances', @id)") { Parameters = { new("id", instanceId) } });
        }
        else if (continuing)
        {
            write.BatchCommands.Add(new NpgsqlBatchCommand("""
                insert into durable.events (instance_id, kind, created_at) values (@id, 'started', @now);
                """) { Parameters = { new("id", instanceId), new("now", now) } });
            write.BatchCommands.Add(WakeSelf(instanceId, row.Owner, now));
        }
        else
        {
            AddCommands(write, core, instanceId, row.Owner, now);
        }

        await write.ExecuteNonQueryAsync(ct);
        if (update.RecordsAffected == 0)
        {
            await tx.RollbackAsync(ct);
            return StepOutcome.Conflict;
        }
        await tx.CommitAsync(ct);

        if (final)
            logger.LogInformation("Orchestration {InstanceId} ({Type}) {Status}{Error}", instanceId, row.Type, status, core.Error is null ? "" : ": " + core.Error);
        var more = events.Count == EventsPerStep || continuing;
        return more ? StepOutcome.MoreEvents : StepOutcome.Done;
    }

    private void AddCommands(NpgsqlBatch write, OrchestrationCore core, string instanceId, string? owner, DateTimeOffset now)
    {
        if (core.Calls.Count > 0)
            write.BatchCommands.Add(InsertCalls("""
                insert into durable.jobs (queue, kind, payload, max_attempts, retry, instance_id, call_id, owner, run_at, created_at)
                select c.queue, 1, c.payload::jsonb, c.max_attempts, c.retry::jsonb, @id, c.call_id, @owner, @now, @now
                """, core.Calls, instanceId, owner, now));
        if (core.Backlogged.Count > 0)
            write.BatchCommands.Add(InsertCalls("""
                insert into durable.backlog (instance_id, queue, call_id, payload, max_attempts, retry)
                select @id, c.queue, c.call_id, c.payload::jsonb, c.max_attempts, c.retry::jsonb
                """, core.Backlogged, instanceId, owner, now));

        // Free slots go to the oldest backlogged calls.
        var book = core.Book;
        var free = book.MaxInFlight == 0 ? book.Backlog : Math.Min(book.Backlog, book.MaxInFlight - book.InFlight);
        if (free > 0)
        {
            write.BatchCommands.Add(new NpgsqlBatchCommand("""
                with moved as (
                    delete from durable.backlog
                    where seq in (select seq from durable.backlog where instance_id = @id order by seq limit @count)
                    returning queue, call_id, payload, max_attempts, retry)
                insert into durable.jobs (queue, kind, payload, max_attempts, retry, instance_id, call_id, owner, run_at, created_at)
                select queue, 1, payload, max_attempts, retry, @id, call_id, @owner, @now, @now from moved
                """)
            { Parameters = { new("id", instanceId), new("count", free), new("owner", (object?)owner ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text }, new("now", now) } });
            book.InFlight += free;
            book.Backlog -= free;
            // The book was serialised into the update above before this adjustment; patch it there.
            var update = write.BatchCommands[1];
            update.Parameters["runtime"].Value = JsonSerializer.Serialize(book, DurableJson.Options);
        }

        if (core.NewTimers.Count > 0)
        {
            write.BatchCommands.Add(new NpgsqlBatchCommand("""
                insert into durable.jobs (queue, kind, max_attempts, instance_id, call_id, owner, run_at, created_at)
                select '$timer', 2, 10, @id, t.call_id, @owner, t.fire_at, @now from unnest(@call_ids, @fire_at) as t(call_id, fire_at)
                """)
            {
                Parameters =
                {
                    new("id", instanceId), new("owner", (object?)owner ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text }, new("now", now),
                    new("call_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = core.NewTimers.Select(t => t.TimerId).ToArray() },
                    new("fire_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = core.NewTimers.Select(t => t.FireAt).ToArray() },
                },
            });
        }
    }

    private NpgsqlBatchCommand InsertCalls(string insertSelect, List<NewCall> calls, string instanceId, string? owner, DateTimeOffset now) =>
        new(insertSelect + " from unnest(@queues, @call_ids, @payloads, @max_attempts, @retries) as c(queue, call_id, payload, max_attempts, retry)")
        {
            Parameters =
            {
                new("id", instanceId), new("owner", (object?)owner ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text }, new("now", now),
                new("queues", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = calls.Select(c => c.Name).ToArray() },
                new("call_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = calls.Select(c => c.CallId).ToArray() },
                new("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = calls.Select(c => c.InputJson).ToArray() },
                new("max_attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = calls.Select(c => RetryFor(c).MaxNumberOfAttempts).ToArray() },
                new("retries", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = calls.Select(c => c.Retry is null ? null : DurableJson.Serialize(c.Retry)).ToArray() },
            },
        };

    private RetryPolicy RetryFor(NewCall call) =>
        call.Retry ?? (registry.Handlers.TryGetValue(call.Name, out var registration) ? registration.Retry : null) ?? _options.DefaultRetry;

    private static NpgsqlBatchCommand WakeSelf(string instanceId, string? owner, DateTimeOffset now) => new("""
        insert into durable.jobs (queue, kind, max_attempts, retry, instance_id, owner, run_at, created_at)
        values ('$orchestrator', 3, 10, '{"maxNumberOfAttempts":10,"firstRetryInterval":"00:00:00.5","backoffCoefficient":2,"maxRetryInterval":"00:00:30"}'::jsonb, @id, @owner, @now, @now)
        """) { Parameters = { new("id", instanceId), new("owner", (object?)owner ?? DBNull.Value) { NpgsqlDbType = NpgsqlDbType.Text }, new("now", now) } };

    private bool IsActivity(string name) => registry.Handlers.TryGetValue(name, out var registration) && registration.Kind == JobKind.Activity;

    private IOrchestrationDefinition Definition(string type)
    {
        lock (_definitions)
        {
            if (_definitions.TryGetValue(type, out var definition)) return definition;
            if (!registry.Orchestrations.TryGetValue(type, out var registration))
                throw new PermanentJobFailureException($"No orchestration named '{type}' is registered in this host.");
            definition = registration.Factory(services);
            _definitions[type] = definition;
            return definition;
        }
    }

    private static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private sealed record InstanceRow(string Type, OrchestrationRuntimeStatus Status, int Version, int Generation, string Input, string State, string Runtime, string? Owner);
}
