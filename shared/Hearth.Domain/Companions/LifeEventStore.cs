using System.Data.Common;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Companions;

internal sealed class LifeEventStore(NpgsqlDataSource db, IAgentFeelings feelings, TimeProvider time) : ILifeEvents
{
    private const string Columns = "id, agent_id, occurred_at, kind, text, mood_delta, topic, created_at";

    public async Task<LifeEvent?> AddAsync(LifeEventDraft draft, DbTransaction? transaction, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(draft.Kind) || draft.Kind.Trim().Length > 40) throw new ArgumentException("A life event's kind is 1-40 characters.", nameof(draft));
        if (string.IsNullOrWhiteSpace(draft.Text) || draft.Text.Trim().Length > 2000) throw new ArgumentException("A life event's text is 1-2000 characters.", nameof(draft));
        if (!(draft.MoodDelta is >= -1 and <= 1)) throw new ArgumentException("A life event's mood delta is between -1 and 1.", nameof(draft));
        if (!Ids.TryParse(draft.OwnerId, out var owner) || !Ids.TryParse(draft.AgentId, out var agent)) return null;

        NpgsqlConnection? own = null;
        NpgsqlTransaction? ownTransaction = null;
        var tx = (NpgsqlTransaction?)transaction;
        if (tx is null)
        {
            own = await db.OpenConnectionAsync(ct);
            ownTransaction = await own.BeginTransactionAsync(ct);
            tx = ownTransaction;
        }
        try
        {
            await using var command = new NpgsqlCommand($"""
                insert into companions.life_events (id, owner_id, agent_id, occurred_at, kind, text, mood_delta, topic, dedupe_key, created_at)
                select @id, a.owner_id, a.id, @occurred_at, @kind, @text, @mood_delta, @topic, @dedupe_key, @now
                  from companions.agents a where a.id = @agent and a.owner_id = @owner
                on conflict (agent_id, dedupe_key) where dedupe_key is not null do nothing
                returning {Columns}
                """, tx.Connection, tx);
            command.Parameters.AddWithValue("id", Ids.New());
            command.Parameters.AddWithValue("agent", agent);
            command.Parameters.AddWithValue("owner", owner);
            command.Parameters.AddWithValue("occurred_at", draft.OccurredAt);
            command.Parameters.AddWithValue("kind", draft.Kind.Trim());
            command.Parameters.AddWithValue("text", draft.Text.Trim());
            command.Parameters.AddWithValue("mood_delta", draft.MoodDelta);
            command.Parameters.Add(AgentStore.Text("topic", draft.Topic?.Trim()));
            command.Parameters.Add(AgentStore.Text("dedupe_key", draft.DedupeKey));
            command.Parameters.AddWithValue("now", time.GetUtcNow());
            LifeEvent? written = null;
            await using (var reader = await command.ExecuteReaderAsync(ct))
                if (await reader.ReadAsync(ct)) written = Read(reader);

            if (written is null)
            {
                // Either a retry (the first event is returned, nothing applied twice) or no such agent.
                if (draft.DedupeKey is null) return null;
                await using var existing = new NpgsqlCommand($"select {Columns} from companions.life_events where agent_id = @agent and owner_id = @owner and dedupe_key = @key", tx.Connection, tx);
                existing.Parameters.AddWithValue("agent", agent);
                existing.Parameters.AddWithValue("owner", owner);
                existing.Parameters.AddWithValue("key", draft.DedupeKey);
                await using var reader = await existing.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct) ? Read(reader) : null;
            }
            if (written.MoodDelta != 0)
                await feelings.ChangeAsync(draft.OwnerId, draft.AgentId, written.MoodDelta, $"life event: {Shorten(written.Text)}", 0, "", "life", null, tx, ct);
            if (ownTransaction is not null) await ownTransaction.CommitAsync(ct);
            return written;
        }
        finally
        {
            if (ownTransaction is not null) await ownTransaction.DisposeAsync();
            if (own is not null) await own.DisposeAsync();
        }
    }

    public async Task<IReadOnlyList<LifeEvent>?> ListAsync(string ownerId, string agentId, string? before, int limit, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var agent)) return null;
        Guid? beforeId = null;
        if (before is not null)
        {
            if (!Ids.TryParse(before, out var parsed)) throw new InvalidCursorException();
            beforeId = parsed;
        }
        await using var batch = db.CreateBatch();
        var exists = new NpgsqlBatchCommand("select 1 from companions.agents where id = @agent and owner_id = @owner");
        exists.Parameters.AddWithValue("agent", agent);
        exists.Parameters.AddWithValue("owner", owner);
        var list = new NpgsqlBatchCommand($"""
            select {Columns} from companions.life_events e
             where e.agent_id = @agent and e.owner_id = @owner
               and (@before::uuid is null or (e.occurred_at, e.id) < (select occurred_at, id from companions.life_events where id = @before and agent_id = @agent))
             order by e.occurred_at desc, e.id desc
             limit @limit
            """);
        list.Parameters.AddWithValue("agent", agent);
        list.Parameters.AddWithValue("owner", owner);
        list.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)beforeId ?? DBNull.Value });
        list.Parameters.AddWithValue("limit", limit);
        batch.BatchCommands.Add(exists);
        batch.BatchCommands.Add(list);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        await reader.NextResultAsync(ct);
        var events = new List<LifeEvent>();
        while (await reader.ReadAsync(ct)) events.Add(Read(reader));
        return events;
    }

    internal static LifeEvent Read(NpgsqlDataReader reader, int at = 0) => new(
        reader.GetGuid(at).ToString(),
        reader.GetGuid(at + 1).ToString(),
        reader.GetFieldValue<DateTimeOffset>(at + 2),
        reader.GetString(at + 3),
        reader.GetString(at + 4),
        reader.GetDouble(at + 5),
        reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6),
        reader.GetFieldValue<DateTimeOffset>(at + 7));

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "…";
}
