using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Companions;

internal sealed class AgentFeelingsStore(NpgsqlDataSource db, TimeProvider time) : IAgentFeelings
{
    /// <summary>
    /// One statement: lock the row, apply the clamped steps, record each non-zero change with its reason. The effective
    /// delta is after-minus-before, so a change at the edge of the range records what really happened.
    /// </summary>
    internal const string ChangeSql = """
        with old as (
            select id, owner_id, mood, affinity, mood_baseline from companions.agents where id = @agent and owner_id = @owner for update
        ), upd as (
            update companions.agents a
               set mood = round(least(1, greatest(-1, old.mood + coalesce(@mood_delta, (old.mood_baseline - old.mood) * @drift)))::numeric, 4)::double precision,
                   affinity = round(least(100, greatest(0, old.affinity + @affinity_delta))::numeric, 2)::double precision,
                   updated_at = @now
              from old where a.id = old.id
            returning a.id, a.owner_id, a.mood, a.affinity,
                      round((a.mood - old.mood)::numeric, 4)::double precision as mood_step, round((a.affinity - old.affinity)::numeric, 2)::double precision as affinity_step
        ), m as (
            insert into companions.mood_changes (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
            select owner_id, id, @message, mood_step, mood, @mood_reason, @source, @now from upd where mood_step <> 0
        ), f as (
            insert into companions.affinity_deltas (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
            select owner_id, id, @message, affinity_step, affinity, @affinity_reason, @source, @now from upd where affinity_step <> 0
        )
        select mood, mood_step, affinity, affinity_step from upd
        """;

    public Task<FeelingsAfter?> ChangeAsync(string ownerId, string agentId, double moodDelta, string moodReason, double affinityDelta, string affinityReason,
        string source, string? messageId, DbTransaction? transaction, CancellationToken ct) =>
        RunAsync(ownerId, agentId, moodDelta, null, moodReason, affinityDelta, affinityReason, source, messageId, transaction, ct);

    public Task<FeelingsAfter?> DriftMoodAsync(string ownerId, string agentId, double fraction, string reason, DbTransaction? transaction, CancellationToken ct)
    {
        if (!(fraction is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), "A drift is a fraction between 0 and 1.");
        return RunAsync(ownerId, agentId, null, fraction, reason, 0, "", "drift", null, transaction, ct);
    }

    public async Task<IReadOnlyList<FeelingRecord>> HistoryAsync(string ownerId, string agentId, int limit, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var agent)) return [];
        await using var command = db.CreateCommand("""
            (select 'mood', delta, value_after, reason, source, message_id, created_at, id from companions.mood_changes where agent_id = @agent and owner_id = @owner order by id desc limit @limit)
            union all
            (select 'affinity', delta, value_after, reason, source, message_id, created_at, id from companions.affinity_deltas where agent_id = @agent and owner_id = @owner order by id desc limit @limit)
            order by 7 desc, 8 desc
            limit @limit
            """);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<FeelingRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new FeelingRecord(reader.GetString(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5).ToString(), reader.GetFieldValue<DateTimeOffset>(6)));
        return list;
    }

    private async Task<FeelingsAfter?> RunAsync(string ownerId, string agentId, double? moodDelta, double? drift, string moodReason, double affinityDelta,
        string affinityReason, string source, string? messageId, DbTransaction? transaction, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var agent)) return null;
        var tx = (NpgsqlTransaction?)transaction;
        await using var command = tx is null ? db.CreateCommand(ChangeSql) : new NpgsqlCommand(ChangeSql, tx.Connection, tx);
        AddParameters(command.Parameters, owner, agent, moodDelta is null ? null : Feelings.ClampMoodStep(moodDelta.Value), drift, moodReason,
            affinityDelta, affinityReason, source, messageId is null ? null : Guid.Parse(messageId), time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAfter(reader) : null;
    }

    internal static void AddParameters(NpgsqlParameterCollection parameters, Guid owner, Guid agent, double? moodDelta, double? drift, string moodReason,
        double affinityDelta, string affinityReason, string source, Guid? messageId, DateTimeOffset now)
    {
        parameters.AddWithValue("owner", owner);
        parameters.AddWithValue("agent", agent);
        parameters.Add(new NpgsqlParameter("mood_delta", NpgsqlDbType.Double) { Value = (object?)moodDelta ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("drift", NpgsqlDbType.Double) { Value = (object?)drift ?? 0.0 });
        parameters.AddWithValue("mood_reason", moodReason);
        parameters.AddWithValue("affinity_delta", affinityDelta);
        parameters.AddWithValue("affinity_reason", affinityReason);
        parameters.AddWithValue("source", source);
        parameters.Add(new NpgsqlParameter("message", NpgsqlDbType.Uuid) { Value = (object?)messageId ?? DBNull.Value });
        parameters.AddWithValue("now", now);
    }

    internal static FeelingsAfter ReadAfter(NpgsqlDataReader reader) =>
        new(reader.GetDouble(0), Math.Round(reader.GetDouble(1), 6), reader.GetDouble(2), Math.Round(reader.GetDouble(3), 6));
}
