using Hearth.Durable;
using Hearth.Durable.Jobs;
using Npgsql;

namespace Hearth.Chat;

/// <summary>The outcome of an edit: the message as it is now, or why not (<see cref="Status"/> 404 or 409 with <see cref="Detail"/>).</summary>
public sealed record MessageEditOutcome(ChatMessageView? Message, int Status = 200, string? Detail = null);

/// <summary>
/// Editing a message, the user's or the companion's: the text changes where every reader looks (the message row, and
/// the chosen alternative of a reply), and memory follows in the same transaction's jobs — the exchange is indexed
/// again (with the windows of the turns after it that quote it), a user's message is read again for suggestions, and
/// the session's summary is written again when it has one. Mood and affinity stay: they were the companion's reaction.
/// </summary>
public sealed partial class ChatTurnService
{
    /// <summary>How many later turns' window documents can quote an exchange (memory's window is at most ten exchanges).</summary>
    private const int WindowReach = 10;

    public async Task<MessageEditOutcome> EditMessageAsync(string ownerId, string agentId, string messageId, string text, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent) || !Guid.TryParse(messageId, out var message))
            return new MessageEditOutcome(null, 404);
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        await using var command = new NpgsqlCommand($"""
            with target as (
                select m.id, m.kind, m.role, m.session_id, m.seq, m.reply_to from chat.messages m
                 where m.id = @id and m.agent_id = @agent and m.owner_id = @owner for update
            ), upd as (
                update chat.messages m set text = @text, edited_at = @now from target where m.id = target.id and target.kind = 'text' returning m.id
            ), alt as (
                update chat.reply_alternatives x set text = @text, edited_at = @now from chat.messages r, upd
                 where r.id = upd.id and x.reply_id = r.id and x.idx = coalesce(r.selected_alternative, 0)
            )
            select t.kind, t.role, t.session_id, t.seq,
                   case when t.role = 'agent' then (case when t.reply_to is null then null else t.id end)
                        else (select r.id from chat.messages r where r.reply_to = t.id and r.role = 'agent' and r.kind = 'text' limit 1) end,
                   case when t.role = 'user' then t.id else t.reply_to end,
                   coalesce((select turns from chat.sessions s where s.id = t.session_id), 0)
              from target t
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("id", message);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("text", text.Trim());
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        string kind, role;
        Guid? session, reply, user;
        int turns;
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct)) return new MessageEditOutcome(null, 404);
            (kind, role, session) = (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2));
            reply = r.IsDBNull(4) ? null : r.GetGuid(4);
            user = r.IsDBNull(5) ? null : r.GetGuid(5);
            turns = r.GetInt32(6);
        }
        if (kind != "text") return new MessageEditOutcome(null, 409, "Only text messages can be edited.");

        var jobsToRun = new List<JobRequest>();
        var enqueue = new EnqueueOptions { Owner = ownerId };
        if (reply is { } replyId && user is { } userId && session is { } sessionId)
        {
            // This exchange, and the later turns whose window documents quote it.
            await using var later = new NpgsqlCommand("""
                select r.id, r.reply_to, r.created_at from chat.messages r
                 where r.session_id = @session and r.role = 'agent' and r.kind = 'text' and r.reply_to is not null
                   and r.seq >= (select seq from chat.messages where id = @reply)
                 order by r.seq limit @reach
                """, tx.Connection, tx);
            later.Parameters.AddWithValue("session", sessionId);
            later.Parameters.AddWithValue("reply", replyId);
            later.Parameters.AddWithValue("reach", WindowReach);
            // The exchange itself goes through memory and the archive again (the user's words read for suggestions again);
            // the later ones are indexed again.
            await using (var r = await later.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct))
                {
                    var turn = new TurnCommitted(ownerId, agentId, sessionId.ToString(), r.GetGuid(1).ToString(), r.GetGuid(0).ToString(), turns,
                        r.GetFieldValue<DateTimeOffset>(2));
                    jobsToRun.AddRange(r.GetGuid(0) == replyId ? ExchangeJobs(turn, suggestions: role == "user", null) : [new JobRequest(ChatQueues.IndexTurn, turn, enqueue)]);
                }
            var every = options.Value.SummaryEveryTurns;
            if (every > 0 && turns >= every)
            {
                await using var latest = new NpgsqlCommand("""
                    select id from chat.messages where session_id = @session and role = 'agent' and kind = 'text' and reply_to is not null order by seq desc limit 1
                    """, tx.Connection, tx);
                latest.Parameters.AddWithValue("session", sessionId);
                if (await latest.ExecuteScalarAsync(ct) is Guid upTo)
                    jobsToRun.Add(SummaryJob(new SessionSummaryRequested(ownerId, agentId, sessionId.ToString(), upTo.ToString(), time.GetUtcNow()),
                        $"{sessionId}:edit:{message}:{time.GetUtcNow().UtcTicks}"));
            }
        }
        if (jobsToRun.Count > 0) await jobs.EnqueueManyAsync(jobsToRun, tx, ct);
        await durable.CommitAsync(ct);
        return new MessageEditOutcome(await ReadMessageAsync(owner, agent, message, ct));
    }

    private async Task<ChatMessageView?> ReadMessageAsync(Guid owner, Guid agent, Guid message, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand($"select {ChatStore.MessageColumns} from chat.messages m where m.id = @id and m.agent_id = @agent and m.owner_id = @owner");
        command.Parameters.AddWithValue("id", message);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ChatStore.ReadMessage(reader, 0) : null;
    }
}
