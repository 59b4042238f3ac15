using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Npgsql;

namespace Hearth.Chat;

/// <summary>What a deletion removed: the message ids (both halves of an exchange), and the companion's feelings after its judgement of the turn was taken back.</summary>
public sealed record MessageDeletion(IReadOnlyList<string> Deleted, MoodState? Mood, AffinityState? Affinity);

/// <summary>The outcome of a deletion, or why not (<see cref="Status"/> 404).</summary>
public sealed record MessageDeleteOutcome(MessageDeletion? Result, int Status = 200);

/// <summary>
/// Deleting a message, the user's or the companion's. An exchange is one unit for memory and mood: deleting either half
/// deletes both (with the reply's alternatives), the mood and affinity steps the reply applied are taken back, and in
/// the same transaction a tombstone is written and memory is told to forget the messages (their index entries,
/// suggestions still waiting for review, and summaries that covered them are redone); the later turns whose window
/// documents quoted the exchange are indexed again, and the archive (when one is configured) is told to erase its copies.
/// Any other message (a picture, an initiated message, a card's first
/// message) is deleted alone.
/// </summary>
public sealed partial class ChatTurnService
{
    public async Task<MessageDeleteOutcome> DeleteMessageAsync(string ownerId, string agentId, string messageId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent) || !Guid.TryParse(messageId, out var message))
            return new MessageDeleteOutcome(null, 404);
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;

        // The message and, when it is half of an exchange, the other half; locked (the agent row first, as a turn does).
        await using var find = new NpgsqlCommand("""
            with a as (select id from companions.agents where id = @agent and owner_id = @owner for update),
                 t as (select m.* from chat.messages m, a where m.id = @id and m.agent_id = a.id and m.owner_id = @owner),
                 pair as (
                    select r.id from chat.messages r, t where t.role = 'user' and r.reply_to = t.id and r.role = 'agent' and r.kind = 'text'
                    union all
                    select u.id from chat.messages u, t where t.role = 'agent' and t.reply_to is not null and u.id = t.reply_to)
            select m.id, m.role, m.session_id, m.created_at, m.reply_to, m.outcome::text, m.seq
              from chat.messages m where m.id in (select id from t union all select id from pair)
             order by m.seq
               for update
            """, tx.Connection, tx);
        find.Parameters.AddWithValue("id", message);
        find.Parameters.AddWithValue("agent", agent);
        find.Parameters.AddWithValue("owner", owner);
        var rows = new List<(Guid Id, string Role, Guid? Session, DateTimeOffset At, Guid? ReplyTo, string? Outcome, long Seq)>();
        await using (var r = await find.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add((r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetFieldValue<DateTimeOffset>(3),
                    r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetInt64(6)));
        if (rows.Count == 0) return new MessageDeleteOutcome(null, 404);

        var reply = rows.FirstOrDefault(x => x.Role == "agent" && x.ReplyTo is not null);
        var user = rows.FirstOrDefault(x => x.Role == "user");
        var hasExchange = reply.Id != Guid.Empty && user.Id != Guid.Empty;
        var session = rows[0].Session;
        var now = time.GetUtcNow();

        // Take back the steps the reply applied to mood and affinity (clamped), recorded with the reason.
        (MoodState, AffinityState)? feelings = null;
        if (hasExchange && reply.Outcome is { } outcomeJson && DurableJson.Deserialize<StoredOutcome>(outcomeJson) is { } outcome
            && (outcome.MoodDelta != 0 || outcome.AffinityDelta != 0))
        {
            await using var undo = new NpgsqlCommand("""
                with old as (
                    select a.id, a.owner_id, a.mood, a.affinity from companions.agents a where a.id = @agent and a.owner_id = @owner
                ), upd as (
                    update companions.agents a
                       set mood = round(least(1, greatest(-1, old.mood - @mood))::numeric, 4)::double precision,
                           affinity = round(least(100, greatest(0, old.affinity - @affinity))::numeric, 2)::double precision,
                           updated_at = @at
                      from old where a.id = old.id
                    returning a.id, a.owner_id, a.mood, a.affinity,
                              round((a.mood - old.mood)::numeric, 4)::double precision as mood_step, round((a.affinity - old.affinity)::numeric, 2)::double precision as affinity_step
                ), m as (
                    insert into companions.mood_changes (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
                    select owner_id, id, @reply, mood_step, mood, 'message deleted: its reaction taken back', 'deletion', @at from upd where mood_step <> 0
                ), f as (
                    insert into companions.affinity_deltas (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
                    select owner_id, id, @reply, affinity_step, affinity, 'message deleted: its reaction taken back', 'deletion', @at from upd where affinity_step <> 0
                )
                select mood, mood_step, affinity, affinity_step from upd
                """, tx.Connection, tx);
            undo.Parameters.AddWithValue("agent", agent);
            undo.Parameters.AddWithValue("owner", owner);
            undo.Parameters.AddWithValue("mood", outcome.MoodDelta);
            undo.Parameters.AddWithValue("affinity", outcome.AffinityDelta);
            undo.Parameters.AddWithValue("reply", reply.Id);
            undo.Parameters.AddWithValue("at", now);
            await using var r = await undo.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
                feelings = (new MoodState(r.GetDouble(0), Feelings.MoodLabel(r.GetDouble(0)), Math.Round(r.GetDouble(1), 6)),
                    new AffinityState(r.GetDouble(2), Math.Round(r.GetDouble(3), 6), Feelings.AffinityBand(r.GetDouble(2))));
        }

        // The later turns whose window documents quote this exchange (read before the rows go).
        var jobsToRun = new List<JobRequest>();
        var enqueue = new EnqueueOptions { Owner = ownerId };
        if (hasExchange && session is { } sessionId)
        {
            await using var later = new NpgsqlCommand("""
                select r.id, r.reply_to, r.created_at, coalesce((select turns from chat.sessions s where s.id = r.session_id), 0) from chat.messages r
                 where r.session_id = @session and r.role = 'agent' and r.kind = 'text' and r.reply_to is not null and r.seq > @seq
                 order by r.seq limit @reach
                """, tx.Connection, tx);
            later.Parameters.AddWithValue("session", sessionId);
            later.Parameters.AddWithValue("seq", reply.Seq);
            later.Parameters.AddWithValue("reach", WindowReach);
            await using var r = await later.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                jobsToRun.Add(new JobRequest(ChatQueues.IndexTurn, new TurnCommitted(ownerId, agentId, sessionId.ToString(), r.GetGuid(1).ToString(),
                    r.GetGuid(0).ToString(), r.GetInt32(3), r.GetFieldValue<DateTimeOffset>(2)), enqueue));
        }

        var ids = rows.Select(x => x.Id).ToArray();
        await using (var delete = new NpgsqlCommand("""
            with t as (
                insert into chat.deleted_messages (id, owner_id, agent_id, session_id, role, deleted_at)
                select id, owner_id, agent_id, session_id, role, @at from chat.messages where id = any(@ids)
                on conflict do nothing
            )
            delete from chat.messages where id = any(@ids)
            """, tx.Connection, tx))
        {
            delete.Parameters.AddWithValue("ids", ids);
            delete.Parameters.AddWithValue("at", now);
            await delete.ExecuteNonQueryAsync(ct);
        }

        var deleted = new MessagesDeleted(ownerId, agentId, session?.ToString(), ids.Select(i => i.ToString()).ToList(),
            hasExchange ? user.Id.ToString() : null, hasExchange ? reply.Id.ToString() : null, rows.Min(x => x.At), rows.Max(x => x.At), now);
        jobsToRun.Insert(0, new JobRequest(ChatQueues.ForgetMessages, deleted, enqueue));
        // The archive's copies go too: deleting a message deletes every copy of it.
        if (archive.IsEnabled) jobsToRun.Add(new JobRequest(ChatQueues.ForgetArchivedMessages, deleted, enqueue));
        await jobs.EnqueueManyAsync(jobsToRun, tx, ct);
        await durable.CommitAsync(ct);
        return new MessageDeleteOutcome(new MessageDeletion(deleted.MessageIds, feelings?.Item1, feelings?.Item2));
    }
}
