using Hearth.Chat;
using Hearth.Companions;
using Hearth.Durable;
using Hearth.Identity;
using Npgsql;

namespace Hearth.Life;

/// <summary>Everything the rules and the choices of one slot need, read in one round trip.</summary>
public sealed record SlotFacts(InitiationFacts Rules, bool HasPlanned, DateTimeOffset? LastEventAt, HashSet<string> RecentEventTopics,
    HashSet<string> UsedTopics, Scenario? Scenario, LifeEvent? SlotEvent);

/// <summary>
/// SQL of the life engine's own tables (<c>life.initiations</c>, <c>life.notifications</c>, <c>life.agent_clock</c>).
/// What it needs from other features (the user's time zone, the last message, recent life events, the scenario) comes
/// through their <see cref="BatchRead{T}"/> statements, in the same batch.
/// </summary>
public sealed class InitiationStore(NpgsqlDataSource db)
{
    private const string Columns = "i.id, i.agent_id, i.slot, i.topic, i.text, i.planned_at, i.send_at, i.status, i.reason, i.message_id, i.sent_at";

    /// <summary>The owner's initiation, or null.</summary>
    public async Task<Initiation?> FindAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var find = db.CreateCommand($"select {Columns} from life.initiations i where i.id = @id and i.owner_id = @owner");
        find.Parameters.AddWithValue("id", id);
        find.Parameters.AddWithValue("owner", owner);
        await using var reader = await find.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? LifeStore.ReadInitiation(reader) : null;
    }

    /// <summary>The slot's own plan (a retry finds it); null when the slot planned nothing.</summary>
    public async Task<Initiation?> FindPlanAsync(Guid agent, string slot, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {Columns} from life.initiations i where i.agent_id = @agent and i.slot = @slot and i.status = 'planned'");
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("slot", slot);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? LifeStore.ReadInitiation(reader) : null;
    }

    /// <summary>Plans a message for the slot (nothing when the slot already planned one).</summary>
    public async Task PlanAsync(Guid owner, Guid agent, string slot, string topic, string text, DateTimeOffset at, DateTimeOffset sendAt, CancellationToken ct)
    {
        await using var insert = db.CreateCommand("""
            insert into life.initiations (id, owner_id, agent_id, slot, topic, text, planned_at, send_at, status)
            values (@id, @owner, @agent, @slot, @topic, @text, @at, @send_at, 'planned')
            on conflict do nothing
            """);
        insert.Parameters.AddWithValue("id", Guid.CreateVersion7());
        insert.Parameters.AddWithValue("owner", owner);
        insert.Parameters.AddWithValue("agent", agent);
        insert.Parameters.AddWithValue("slot", slot);
        insert.Parameters.AddWithValue("topic", topic);
        insert.Parameters.AddWithValue("text", text);
        insert.Parameters.AddWithValue("at", at);
        insert.Parameters.AddWithValue("send_at", sendAt);
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Marks a planned initiation skipped with the reason (no-op when it is no longer planned).</summary>
    public async Task SkipAsync(Guid id, string reason, CancellationToken ct)
    {
        await using var skip = db.CreateCommand("update life.initiations set status = 'skipped', reason = @reason where id = @id and status = 'planned'");
        skip.Parameters.AddWithValue("id", id);
        skip.Parameters.AddWithValue("reason", reason);
        await skip.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A plan whose moment passed an hour ago was never delivered (its orchestration failed or was purged): it is skipped,
    /// so that it does not block the agent's next plan forever.
    /// </summary>
    public async Task ExpireStaleAsync(Guid agent, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            update life.initiations set status = 'skipped', reason = 'not delivered within an hour of its moment'
             where agent_id = @agent and status = 'planned' and send_at < @at - interval '1 hour'
            """);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("at", at);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Marks the initiation sent as the notification's message and stores its in-app notification, then lets
    /// <paramref name="inTransaction"/> enqueue what must happen iff that commits; one transaction. False (nothing
    /// written) when another delivery got there first.
    /// </summary>
    public async Task<bool> MarkSentAsync(Guid owner, Initiation initiation, Notification notification, DateTimeOffset now,
        Func<System.Data.Common.DbTransaction, Task> inTransaction, CancellationToken ct)
    {
        await using var tx = await db.BeginDurableAsync(ct);
        await using (var sent = new NpgsqlCommand("update life.initiations set status = 'sent', message_id = @message, sent_at = @now where id = @id and status = 'planned'", tx.Connection, tx.Transaction))
        {
            sent.Parameters.AddWithValue("id", Guid.Parse(initiation.Id));
            sent.Parameters.AddWithValue("message", Guid.Parse(notification.MessageId));
            sent.Parameters.AddWithValue("now", now);
            if (await sent.ExecuteNonQueryAsync(ct) == 0) return false;
        }
        await using (var insert = new NpgsqlCommand("""
            insert into life.notifications (id, owner_id, agent_id, initiation_id, message_id, agent_name, text, created_at)
            values (@id, @owner, @agent, @initiation, @message, @name, @text, @now)
            """, tx.Connection, tx.Transaction))
        {
            insert.Parameters.AddWithValue("id", Guid.Parse(notification.Id));
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("agent", Guid.Parse(notification.AgentId));
            insert.Parameters.AddWithValue("initiation", Guid.Parse(initiation.Id));
            insert.Parameters.AddWithValue("message", Guid.Parse(notification.MessageId));
            insert.Parameters.AddWithValue("name", notification.AgentName);
            insert.Parameters.AddWithValue("text", notification.Text);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await inTransaction(tx.Transaction);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Moves the agent's clock to <paramref name="at"/> under a row lock: <paramref name="drift"/> gets when it last
    /// drifted (null: never) and the transaction to apply the drift in; nothing moves for a moment already passed.
    /// </summary>
    public async Task<T> AdvanceClockAsync<T>(Guid owner, Guid agent, DateTimeOffset at,
        Func<DateTimeOffset?, System.Data.Common.DbTransaction, Task<T>> drift, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        DateTimeOffset? drifted;
        await using (var read = new NpgsqlCommand("select drifted_at from life.agent_clock where agent_id = @agent for update", connection, tx))
        {
            read.Parameters.AddWithValue("agent", agent);
            drifted = await read.ExecuteScalarAsync(ct) is DateTime value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
        }
        var result = await drift(drifted, tx);
        if (drifted is null || at > drifted)
        {
            await using var write = new NpgsqlCommand("""
                insert into life.agent_clock (agent_id, owner_id, drifted_at) values (@agent, @owner, @at)
                on conflict (agent_id) do update set drifted_at = excluded.drifted_at where life.agent_clock.drifted_at < excluded.drifted_at
                """, connection, tx);
            write.Parameters.AddWithValue("agent", agent);
            write.Parameters.AddWithValue("owner", owner);
            write.Parameters.AddWithValue("at", at);
            await write.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// The slot's facts in one round trip: this feature's settings and initiations, with the user's time zone, the last
    /// user message, recent life events and the active scenario from their owners' statements. Caps and gaps count sent
    /// initiations only; the daily cap counts the user's local calendar day.
    /// </summary>
    public async Task<SlotFacts> LoadFactsAsync(Agent agent, DateTimeOffset at, LifeOptions options, CancellationToken ct,
        string? topic = null, string? excludeInitiation = null, string? slot = null)
    {
        var owner = Guid.Parse(agent.OwnerId);
        var id = Guid.Parse(agent.Id);
        var exclude = excludeInitiation is null ? (object)DBNull.Value : Guid.Parse(excludeInitiation);
        await using var batch = db.CreateBatch();
        Add("""
            select s.enabled, s.muted, s.daily_cap, s.weekly_cap, s.quiet_from, s.quiet_to, s.min_gap_minutes
              from life.initiation_settings s where s.agent_id = @agent and s.owner_id = @owner
            """);
        // Sent times of the last eight days (enough for the weekly cap and any zone's "today"), the last one ever, and
        // whether another plan is waiting.
        Add("""
            select max(i.sent_at),
                   array_agg(i.sent_at) filter (where i.status = 'sent' and i.sent_at > @at - interval '8 days'),
                   coalesce(bool_or(i.status = 'planned' and i.id is distinct from @exclude), false)
              from life.initiations i
             where i.agent_id = @agent and i.owner_id = @owner and (i.status = 'planned' or (i.status = 'sent' and i.sent_at <= @at))
            """);
        Add("select array_agg(distinct topic) from life.initiations where agent_id = @agent and owner_id = @owner and status <> 'skipped' and planned_at > @at - @topic_days and id is distinct from @exclude");
        var timeZone = Lend(IdentityStatements.TimeZoneOf(owner));
        var lastUserMessage = Lend(ConversationReads.LastUserMessageAt(owner, id, at));
        var recentEvents = Lend(CompanionReads.RecentEvents(owner, id, at, TimeSpan.FromDays(options.TemplateRepeatDays)));
        var slotEvent = Lend(CompanionReads.EventByKey(owner, id, $"slot:{slot ?? ""}"));
        var scenario = Lend(CompanionReads.ActiveScenario(owner, id, at));

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var settings = await reader.ReadAsync(ct) ? LifeStore.ReadSettings(reader, 0) : InitiationSettings.Default;
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        DateTimeOffset? lastSent = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
        var recentSends = reader.IsDBNull(1) ? [] : reader.GetFieldValue<DateTimeOffset[]>(1);
        var planned = reader.GetBoolean(2);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var used = reader.IsDBNull(0) ? [] : new HashSet<string>(reader.GetFieldValue<string[]>(0), StringComparer.Ordinal);
        await reader.NextResultAsync(ct);
        var zone = await timeZone.ReadAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var lastUserAt = await lastUserMessage.ReadAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var events = await recentEvents.ReadAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var written = await slotEvent.ReadAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var active = await scenario.ReadAsync(reader, ct);

        var userZone = AgentClock.ZoneOf(zone);
        var localToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, userZone).DateTime);
        var today = recentSends.Count(s => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(s, userZone).DateTime) == localToday);
        var week = recentSends.Count(s => s > at - TimeSpan.FromDays(7));
        var rules = new InitiationFacts(settings, zone, agent.TimeZone, agent.Availability, today, week, lastUserAt, lastSent,
            topic is not null && used.Contains(topic));
        return new SlotFacts(rules, planned, events.LastAt, events.Topics, used, active, written);

        void Add(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("agent", id);
            command.Parameters.AddWithValue("owner", owner);
            command.Parameters.AddWithValue("at", at);
            command.Parameters.AddWithValue("topic_days", TimeSpan.FromDays(options.TopicRepeatDays));
            command.Parameters.Add(new NpgsqlParameter("exclude", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = exclude });
            batch.BatchCommands.Add(command);
        }

        BatchRead<T> Lend<T>(BatchRead<T> read)
        {
            batch.BatchCommands.Add(read.Command);
            return read;
        }
    }
}
