using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Chat;

/// <summary>A companion's mood and affinity toward the user after a change to its group lines.</summary>
public sealed record GroupFeelings(string AgentId, MoodState Mood, AffinityState Affinity);

/// <summary>What a group deletion removed, and the feelings of each companion whose reaction was taken back.</summary>
public sealed record GroupLineDeletion(IReadOnlyList<string> Deleted, IReadOnlyList<GroupFeelings> Feelings);

/// <summary>Regenerating a companion's group line: who asks, for which line.</summary>
public sealed record GroupRegenerateCommand(string OwnerId, string OwnerTimeZone, string GroupId, string ReplyId, string? OwnerName = null);

/// <summary>
/// Group lines get what 1:1 messages have. The user edits a line, theirs or a companion's (the text changes where every
/// reader looks and memory indexes the exchanges again; feelings stay). The user deletes a line: their own takes every
/// reply to it along, a companion's goes alone; each deleted reply's mood and affinity steps are taken back, a tombstone
/// stays, and memory forgets the exchanges (and rebuilds the later windows that quoted them). The group's last line, a
/// companion's, can be written again (swipes) and any alternative chosen: the line holds the chosen one, whose judgement
/// replaces the one before. Memory follows every change through the same jobs as 1:1 turns, in the same transaction.
/// </summary>
public sealed partial class ChatTurnService
{
    /// <summary>Edits a group line's text; 404 when it is not one of the owner's group's lines.</summary>
    public async Task<GroupOutcome<GroupMessageView>> EditGroupMessageAsync(string ownerId, string groupId, string messageId, string text, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group) || !Guid.TryParse(messageId, out var message)) return new(null, 404);
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        var now = time.GetUtcNow();
        await using (var update = new NpgsqlCommand("""
            with upd as (
                update chat.group_messages m set text = @text, edited_at = @now where m.id = @id and m.group_id = @group and m.owner_id = @owner
                returning m.id, m.selected_alternative
            ), alt as (
                update chat.group_reply_alternatives x set text = @text, edited_at = @now from upd
                 where x.reply_id = upd.id and x.idx = coalesce(upd.selected_alternative, 0)
            )
            select count(*)::int from upd
            """, tx.Connection, tx))
        {
            update.Parameters.AddWithValue("id", message);
            update.Parameters.AddWithValue("group", group);
            update.Parameters.AddWithValue("owner", owner);
            update.Parameters.AddWithValue("text", text.Trim());
            update.Parameters.AddWithValue("now", now);
            if ((int)(await update.ExecuteScalarAsync(ct))! == 0) return new(null, 404);
        }
        // The exchanges that hold the line (a user's line: each reply to it) go through memory and the archive again, the
        // user's words read for suggestions once; the later ones, whose windows quote them, are indexed again; and each
        // companion of those exchanges summarises its part of the group again, as an edited 1:1 session is.
        var affected = await LaterGroupExchangesAsync(tx, group, message, includeSelf: true, ct);
        var side = new List<JobRequest>();
        var id = message.ToString();
        var read = false;
        foreach (var e in affected)
        {
            if (e.UserId != id && e.ReplyId != id)
            {
                side.Add(GroupIndexJob(ownerId, e.AgentId, groupId, e.UserId, e.ReplyId, e.Round, e.At));
                continue;
            }
            side.AddRange(ExchangeJobs(new TurnCommitted(ownerId, e.AgentId, groupId, e.UserId, e.ReplyId, e.Round, now), suggestions: e.UserId == id && !read, null));
            read |= e.UserId == id;
        }
        foreach (var agent in affected.Where(e => e.UserId == id || e.ReplyId == id).Select(e => e.AgentId).Distinct())
            if (await CompanionExchangesAsync(tx, group, Guid.Parse(agent), ct) is ({ } count, { } latest) && options.Value.SummaryEveryTurns is > 0 and var every && count >= every)
                side.Add(SummaryJob(new SessionSummaryRequested(ownerId, agent, groupId, latest.ToString(), now), $"{groupId}:{agent}:edit:{message}:{now.UtcTicks}"));
        if (side.Count > 0) await jobs.EnqueueManyAsync(side, tx, ct);
        await durable.CommitAsync(ct);
        return new(await ReadGroupLineAsync(owner, group, message, ct));
    }

    /// <summary>
    /// Deletes a group line: the user's takes the replies to it along, a companion's goes alone; each deleted reply's
    /// feelings steps are taken back. 404 when it is not one of the owner's group's lines.
    /// </summary>
    public async Task<GroupOutcome<GroupLineDeletion>> DeleteGroupMessageAsync(string ownerId, string groupId, string messageId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group) || !Guid.TryParse(messageId, out var message)) return new(null, 404);
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        var now = time.GetUtcNow();
        var rows = new List<(Guid Id, string Role, Guid? Agent, Guid? ReplyTo, string? Outcome, DateTimeOffset At)>();
        await using (var find = new NpgsqlCommand("""
            select m.id, m.role, m.agent_id, m.reply_to, m.outcome::text, m.created_at from chat.group_messages m
             where m.group_id = @group and m.owner_id = @owner
               and (m.id = @id or m.reply_to = (select u.id from chat.group_messages u where u.id = @id and u.role = 'user'))
             order by m.seq
               for update
            """, tx.Connection, tx))
        {
            find.Parameters.AddWithValue("id", message);
            find.Parameters.AddWithValue("group", group);
            find.Parameters.AddWithValue("owner", owner);
            await using var r = await find.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows.Add((r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.GetFieldValue<DateTimeOffset>(5)));
        }
        if (rows.Count == 0) return new(null, 404);

        // Each deleted reply's reaction is taken back from its companion (clamped to the ranges, recorded with the reason).
        var feelings = new List<GroupFeelings>();
        foreach (var reply in rows.Where(x => x.Role == "agent" && x.Agent is not null))
        {
            if (reply.Outcome is null || DurableJson.Deserialize<StoredGroupOutcome>(reply.Outcome) is not { } outcome) continue;
            if (outcome.Mood.Delta == 0 && outcome.Affinity.Delta == 0) continue;
            if (await ChangeFeelingsAsync(tx, owner, reply.Agent!.Value, -outcome.Mood.Delta, -outcome.Affinity.Delta, "message deleted: its reaction taken back",
                    "deletion", reply.Id, now, ct) is { } after)
                feelings.Add(after);
        }

        // Memory forgets each deleted exchange as it forgets a deleted 1:1 exchange (index, the suggestions of the user's words
        // when they went too, the companion's summaries that covered it), and indexes again the later exchanges of the same
        // companions whose windows quoted it; the archive's copies go.
        var jobsToRun = new List<JobRequest>();
        var enqueue = new EnqueueOptions { Owner = ownerId };
        var userLine = rows.FirstOrDefault(x => x.Role == "user");
        var replies = rows.Where(x => x.Role == "agent" && x.ReplyTo is not null).ToList();
        foreach (var reply in replies)
        {
            var user = userLine.Id == Guid.Empty ? null : userLine.Id.ToString();
            jobsToRun.Add(new JobRequest(ChatQueues.ForgetMessages, new MessagesDeleted(ownerId, reply.Agent!.Value.ToString(), groupId,
                user is null ? [reply.Id.ToString()] : [user, reply.Id.ToString()], user, reply.Id.ToString(), user is null ? reply.At : userLine.At, reply.At, now), enqueue));
            foreach (var later in await LaterGroupExchangesAsync(tx, group, reply.Id, includeSelf: false, ct))
                if (rows.All(x => x.Id.ToString() != later.ReplyId))
                    jobsToRun.Add(GroupIndexJob(ownerId, later.AgentId, groupId, later.UserId, later.ReplyId, later.Round, later.At));
        }
        // The user's line alone (its replies were deleted before): only the suggestions drawn from it are left to withdraw.
        if (userLine.Id != Guid.Empty && replies.Count == 0)
            jobsToRun.Add(new JobRequest(ChatQueues.ForgetMessages, new MessagesDeleted(ownerId, "", null, [userLine.Id.ToString()], userLine.Id.ToString(), null,
                userLine.At, userLine.At, now), enqueue));
        if (archive.IsEnabled)
            jobsToRun.Add(new JobRequest(ChatQueues.ForgetArchivedMessages, new MessagesDeleted(ownerId, replies.FirstOrDefault().Agent?.ToString() ?? "", groupId,
                [.. rows.Select(x => x.Id.ToString())], userLine.Id == Guid.Empty ? null : userLine.Id.ToString(), null, rows.Min(x => x.At), rows.Max(x => x.At), now), enqueue));
        var ids = rows.Select(x => x.Id).ToArray();
        await using (var delete = new NpgsqlCommand("""
            with t as (
                insert into chat.deleted_group_messages (id, owner_id, group_id, agent_id, role, deleted_at)
                select id, owner_id, group_id, agent_id, role, @at from chat.group_messages where id = any(@ids)
                on conflict do nothing
            )
            delete from chat.group_messages where id = any(@ids)
            """, tx.Connection, tx))
        {
            delete.Parameters.AddWithValue("ids", ids);
            delete.Parameters.AddWithValue("at", now);
            await delete.ExecuteNonQueryAsync(ct);
        }
        if (jobsToRun.Count > 0) await jobs.EnqueueManyAsync(jobsToRun.DistinctBy(j => (j.Queue, DurableJson.Serialize(j.Payload))).ToList(), tx, ct);
        await durable.CommitAsync(ct);
        return new(new GroupLineDeletion([.. ids.Select(i => i.ToString())], feelings));
    }

    /// <summary>A companion's group line's alternatives (one, itself, when never written again); null when it is not the owner's group's companion line.</summary>
    public async Task<ReplyAlternatives?> ListGroupAlternativesAsync(string ownerId, string groupId, string replyId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group) || !Guid.TryParse(replyId, out var reply)) return null;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        if (await FindGroupReplyAsync(connection, null, owner, group, reply, ct) is not { } row) return null;
        return GroupView(row, await ListGroupAlternativesAsync(connection, null, row.Id, ct), null);
    }

    /// <summary>
    /// Writes the group's last line, a companion's, again from the same context and chooses the new alternative; with an
    /// observer, streamed as a 1:1 regeneration is.
    /// </summary>
    public async Task<AlternativesOutcome> RegenerateGroupReplyAsync(GroupRegenerateCommand command, IChatTurnObserver? observer, CancellationToken ct)
    {
        if (!Guid.TryParse(command.OwnerId, out var owner) || !Guid.TryParse(command.GroupId, out var groupId) || !Guid.TryParse(command.ReplyId, out var replyId))
            return AlternativesOutcome.NotFound;
        var group = await GetGroupAsync(command.OwnerId, command.GroupId, ct);
        if (group is null) return AlternativesOutcome.NotFound;
        GroupReplyRow? row;
        List<GroupMessageView> earlier;
        int count;
        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
        {
            row = await FindGroupReplyAsync(connection, null, owner, groupId, replyId, ct);
            if (row is null) return AlternativesOutcome.NotFound;
            count = (await ListGroupAlternativesAsync(connection, null, row.Id, ct)).Count;
            earlier = await ReadLinesAsync(connection, null, owner, groupId, row.Id, GroupTranscript + MaxGroupMembers + 1, ct); // oldest first
        }
        if (row.Superseded) return new AlternativesOutcome(null, 409, "Only the group's last line can be written again; the conversation has moved on.");
        if (count >= MaxAlternatives) return new AlternativesOutcome(null, 409, $"A reply keeps at most {MaxAlternatives} alternatives.");
        if (group.Members.FirstOrDefault(m => m.AgentId == row.AgentId.ToString()) is not { } member) return AlternativesOutcome.NotFound;

        // The context the line was written in: the group's lines before the user's line, and the round up to this line.
        var userName = string.IsNullOrWhiteSpace(command.OwnerName) ? "User" : command.OwnerName.Trim();
        var start = earlier.FindIndex(l => l.Id == row.UserId.ToString());
        if (start < 0) return AlternativesOutcome.NotFound;
        var transcript = earlier.Take(start).TakeLast(GroupTranscript).ToList();
        var round = earlier.Skip(start).Select(l => (Line: l, Speaker: l.Role == "user" ? userName : l.AgentName ?? "")).ToList();
        var turn = new GroupTurnCommand(command.OwnerId, command.OwnerTimeZone, command.GroupId, round[0].Line.Text, null, command.OwnerName);
        var written = await WriteGroupReplyAsync(turn, group, member, transcript, round, userName, time.GetUtcNow(),
            unchecked((int)row.Seq + 7919 * Math.Max(count, 1)), ct, replacing: row.Id.ToString(), observer);
        if (written is null) return AlternativesOutcome.NotFound;

        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        var locked = await FindGroupReplyAsync(tx.Connection!, tx, owner, groupId, replyId, ct, forUpdate: true);
        if (locked is null) return AlternativesOutcome.NotFound;
        if (locked.Superseded) return new AlternativesOutcome(null, 409, "Only the group's last line can be written again; the conversation has moved on.");
        await KeepGroupOriginalAsync(tx, owner, locked, ct);
        int index;
        await using (var add = new NpgsqlCommand("""
            insert into chat.group_reply_alternatives (reply_id, idx, owner_id, text, provider, model, prompt, mood_delta, affinity_delta, reason, created_at)
            select @reply, coalesce(max(idx), 0) + 1, @owner, @text, @provider, @model, @prompt::jsonb, @mood, @affinity, @reason, @at
              from chat.group_reply_alternatives where reply_id = @reply
            returning idx
            """, tx.Connection, tx))
        {
            var feelings = written.Feelings;
            add.Parameters.AddWithValue("reply", locked.Id);
            add.Parameters.AddWithValue("owner", owner);
            add.Parameters.AddWithValue("text", written.Reply.Text);
            add.Parameters.AddWithValue("provider", written.Reply.Reply.Provider);
            add.Parameters.AddWithValue("model", written.Reply.Reply.Model);
            add.Parameters.AddWithValue("prompt", DurableJson.Serialize(Prompt(written.Reply.Sent)));
            add.Parameters.AddWithValue("mood", Feelings.ClampMoodStep(feelings.MoodDelta));
            add.Parameters.AddWithValue("affinity", feelings.AffinityDelta);
            add.Parameters.AddWithValue("reason", feelings.MoodReason);
            add.Parameters.AddWithValue("at", time.GetUtcNow());
            index = (int)(await add.ExecuteScalarAsync(ct))!;
        }
        var result = await ChooseGroupAsync(tx, owner, locked, index, command.OwnerId, command.GroupId, ct);
        await durable.CommitAsync(ct);
        return new AlternativesOutcome(result);
    }

    /// <summary>Chooses alternative <paramref name="index"/> of the group's last line.</summary>
    public async Task<AlternativesOutcome> SelectGroupAlternativeAsync(string ownerId, string groupId, string replyId, int index, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group) || !Guid.TryParse(replyId, out var reply)) return AlternativesOutcome.NotFound;
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        if (await FindGroupReplyAsync(tx.Connection!, tx, owner, group, reply, ct, forUpdate: true) is not { } row) return AlternativesOutcome.NotFound;
        var count = Math.Max(1, (await ListGroupAlternativesAsync(tx.Connection!, tx, row.Id, ct)).Count);
        if (index < 0 || index >= count) return new AlternativesOutcome(null, 400, $"must be between 0 and {count - 1}");
        if (row.Superseded && index != (row.Selected ?? 0))
            return new AlternativesOutcome(null, 409, "Only the group's last line's alternative can be chosen; the conversation has moved on.");
        await KeepGroupOriginalAsync(tx, owner, row, ct);
        var result = await ChooseGroupAsync(tx, owner, row, index, ownerId, groupId, ct);
        await durable.CommitAsync(ct);
        return new AlternativesOutcome(result);
    }

    /// <summary>The memory job for one companion's group exchange (its session is the group).</summary>
    private static JobRequest GroupIndexJob(string ownerId, string agentId, string groupId, string userId, string replyId, int round, DateTimeOffset at) =>
        new(ChatQueues.IndexTurn, new TurnCommitted(ownerId, agentId, groupId, userId, replyId, round, at), new EnqueueOptions { Owner = ownerId });

    /// <summary>A companion's exchange in a group; <see cref="Round"/>: how many exchanges it has had there, this one included.</summary>
    private sealed record GroupExchange(string AgentId, string UserId, string ReplyId, int Round, DateTimeOffset At);

    /// <summary>How many exchanges a companion has had in the group, and its latest line that answers the user.</summary>
    private static async Task<(int Count, Guid? Latest)> CompanionExchangesAsync(NpgsqlTransaction tx, Guid group, Guid agent, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select count(*)::int, (array_agg(id order by seq desc))[1] from chat.group_messages
             where group_id = @group and agent_id = @agent and role = 'agent' and reply_to is not null
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("group", group);
        command.Parameters.AddWithValue("agent", agent);
        await using var r = await command.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt32(0), r.IsDBNull(1) ? null : r.GetGuid(1));
    }

    /// <summary>
    /// The exchanges at or after line <paramref name="from"/> whose documents hold or quote it: for a companion's line, its own
    /// (when <paramref name="includeSelf"/>) and that companion's next ones; for the user's line, each reply to it and each
    /// replier's next ones — at most <see cref="WindowReach"/> per companion.
    /// </summary>
    private static async Task<List<GroupExchange>> LaterGroupExchangesAsync(NpgsqlTransaction tx, Guid group, Guid from, bool includeSelf, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            with f as (select id, role, agent_id, seq from chat.group_messages where id = @from),
                 agents as (select agent_id from f where role = 'agent'
                            union select r.agent_id from chat.group_messages r, f where f.role = 'user' and r.reply_to = f.id),
                 later as (
                    select r.id, r.agent_id, r.reply_to, r.created_at, r.seq,
                           row_number() over (partition by r.agent_id order by r.seq) as n
                      from chat.group_messages r, f
                     where r.group_id = @group and r.role = 'agent' and r.reply_to is not null and r.agent_id in (select agent_id from agents)
                       and (r.seq > f.seq or (@self and r.id = f.id)))
            select l.agent_id, l.reply_to, l.id, l.created_at,
                   (select count(*)::int from chat.group_messages c where c.group_id = @group and c.role = 'agent' and c.reply_to is not null
                       and c.agent_id = l.agent_id and c.seq <= l.seq)
              from later l where l.n <= @reach order by l.seq
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("group", group);
        command.Parameters.AddWithValue("self", includeSelf);
        command.Parameters.AddWithValue("reach", WindowReach);
        var list = new List<GroupExchange>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new GroupExchange(r.GetGuid(0).ToString(), r.GetGuid(1).ToString(), r.GetGuid(2).ToString(), r.GetInt32(4), r.GetFieldValue<DateTimeOffset>(3)));
        return list;
    }

    /// <summary>Moves a companion's feelings by the given steps (clamped to the ranges), recorded with the reason; null when it is gone.</summary>
    private static async Task<GroupFeelings?> ChangeFeelingsAsync(NpgsqlTransaction tx, Guid owner, Guid agent, double mood, double affinity, string reason, string source,
        Guid message, DateTimeOffset at, CancellationToken ct)
    {
        await using var change = new NpgsqlCommand(AgentFeelingsStore.ChangeSql, tx.Connection, tx);
        AgentFeelingsStore.AddParameters(change.Parameters, owner, agent, mood, null, reason, affinity, reason, source, message, at);
        await using var r = await change.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new GroupFeelings(agent.ToString(), new MoodState(r.GetDouble(0), Feelings.MoodLabel(r.GetDouble(0)), Math.Round(r.GetDouble(1), 6)),
            new AffinityState(r.GetDouble(2), Math.Round(r.GetDouble(3), 6), Feelings.AffinityBand(r.GetDouble(2))));
    }

    private sealed record GroupReplyRow(Guid Id, Guid AgentId, Guid UserId, string Text, string? Provider, string? Model, StoredGroupOutcome Outcome,
        DateTimeOffset CreatedAt, int? Selected, long Seq, bool Superseded);

    private static async Task<GroupReplyRow?> FindGroupReplyAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid owner, Guid group, Guid reply, CancellationToken ct,
        bool forUpdate = false)
    {
        await using var command = new NpgsqlCommand($"""
            select r.id, r.agent_id, r.reply_to, r.text, r.provider, r.model, r.outcome::text, r.created_at, r.selected_alternative, r.seq,
                   exists (select 1 from chat.group_messages later where later.group_id = r.group_id and later.seq > r.seq)
              from chat.group_messages r
             where r.id = @reply and r.group_id = @group and r.owner_id = @owner and r.role = 'agent' and r.reply_to is not null and r.outcome is not null
            {(forUpdate ? "for update of r" : "")}
            """, connection, tx);
        command.Parameters.AddWithValue("reply", reply);
        command.Parameters.AddWithValue("group", group);
        command.Parameters.AddWithValue("owner", owner);
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new GroupReplyRow(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
            DurableJson.Deserialize<StoredGroupOutcome>(r.GetString(6))!, r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetInt32(8), r.GetInt64(9),
            r.GetBoolean(10));
    }

    private static async Task<List<ReplyAlternative>> ListGroupAlternativesAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid reply, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select idx, text, provider, model, created_at, edited_at from chat.group_reply_alternatives where reply_id = @reply order by idx",
            connection, tx);
        command.Parameters.AddWithValue("reply", reply);
        var list = new List<ReplyAlternative>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new ReplyAlternative(r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
                r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5)));
        return list;
    }

    private static ReplyAlternatives GroupView(GroupReplyRow row, List<ReplyAlternative> items, GroupFeelings? feelings)
    {
        if (items.Count == 0) items.Add(new ReplyAlternative(0, row.Text, row.Provider, row.Model, row.CreatedAt));
        return new ReplyAlternatives(row.Id.ToString(), row.Selected ?? 0, items, row.Text, row.Provider, row.Model, [], [], feelings?.Mood, feelings?.Affinity);
    }

    /// <summary>The first regeneration keeps the line as it is as alternative 0 (its judgement: the steps it applied).</summary>
    private static async Task KeepGroupOriginalAsync(NpgsqlTransaction tx, Guid owner, GroupReplyRow row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into chat.group_reply_alternatives (reply_id, idx, owner_id, text, provider, model, prompt, mood_delta, affinity_delta, reason, created_at, edited_at)
            select m.id, 0, @owner, m.text, m.provider, m.model, m.prompt, @mood, @affinity, 'the first reply', m.created_at, m.edited_at
              from chat.group_messages m where m.id = @reply
            on conflict do nothing
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("reply", row.Id);
        command.Parameters.AddWithValue("mood", row.Outcome.Mood.Delta);
        command.Parameters.AddWithValue("affinity", row.Outcome.Affinity.Delta);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Makes alternative <paramref name="index"/> the line: its text, provider, model and prompt; the replaced alternative's
    /// feelings steps taken back and the chosen one's judgement applied; the exchange indexed again for its companion.
    /// </summary>
    private async Task<ReplyAlternatives> ChooseGroupAsync(NpgsqlTransaction tx, Guid owner, GroupReplyRow row, int index, string ownerId, string groupId, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        double moodJudgement, affinityJudgement;
        string reason;
        await using (var read = new NpgsqlCommand("select mood_delta, affinity_delta, reason from chat.group_reply_alternatives where reply_id = @reply and idx = @idx",
                         tx.Connection, tx))
        {
            read.Parameters.AddWithValue("reply", row.Id);
            read.Parameters.AddWithValue("idx", index);
            await using var r = await read.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) throw new InvalidOperationException($"Alternative {index} of line {row.Id} does not exist.");
            (moodJudgement, affinityJudgement, reason) = (r.GetDouble(0), r.GetDouble(1), r.GetString(2));
        }
        var same = index == (row.Selected ?? 0);
        var feelings = await ChangeFeelingsAsync(tx, owner, row.AgentId, same ? 0 : moodJudgement - row.Outcome.Mood.Delta,
            same ? 0 : affinityJudgement - row.Outcome.Affinity.Delta, "another reply chosen: " + reason, "group", row.Id, at, ct);
        // What the line applied, all told: a later deletion takes exactly this back.
        var outcome = feelings is null
            ? row.Outcome
            : new StoredGroupOutcome(feelings.Mood with { Delta = Math.Round(feelings.Mood.Delta + row.Outcome.Mood.Delta, 4) },
                feelings.Affinity with { Delta = Math.Round(feelings.Affinity.Delta + row.Outcome.Affinity.Delta, 2) });
        await using (var update = new NpgsqlCommand("""
            update chat.group_messages r
               set text = x.text, provider = x.provider, model = x.model, prompt = x.prompt, selected_alternative = x.idx, edited_at = x.edited_at,
                   outcome = @outcome::jsonb
              from chat.group_reply_alternatives x where x.reply_id = r.id and x.idx = @idx and r.id = @reply
            """, tx.Connection, tx))
        {
            update.Parameters.AddWithValue("reply", row.Id);
            update.Parameters.AddWithValue("idx", index);
            update.Parameters.AddWithValue("outcome", DurableJson.Serialize(outcome));
            await update.ExecuteNonQueryAsync(ct);
        }
        // Memory and the archive follow the chosen line as they follow a chosen 1:1 reply: the exchange is indexed again under
        // the same ids (the old text leaves the index), mirrored, and the summary it ends is written again.
        var round = await LaterGroupExchangesAsync(tx, Guid.Parse(groupId), row.Id, includeSelf: true, ct);
        var side = new List<JobRequest>();
        foreach (var e in round)
            side.AddRange(e.ReplyId == row.Id.ToString()
                ? ExchangeJobs(new TurnCommitted(ownerId, e.AgentId, groupId, e.UserId, e.ReplyId, e.Round, e.At), suggestions: false,
                    SummaryDue(e.Round) && !row.Superseded ? $"{groupId}:{e.AgentId}:{e.Round}:alt:{index}:{at.UtcTicks}" : null)
                : [GroupIndexJob(ownerId, e.AgentId, groupId, e.UserId, e.ReplyId, e.Round, e.At)]);
        await jobs.EnqueueManyAsync(side, tx, ct);
        var chosen = await FindGroupReplyAsync(tx.Connection!, tx, owner, Guid.Parse(groupId), row.Id, ct) ?? row;
        return GroupView(chosen, await ListGroupAlternativesAsync(tx.Connection!, tx, chosen.Id, ct),
            new GroupFeelings(row.AgentId.ToString(), outcome.Mood, outcome.Affinity));
    }

    private async Task<GroupMessageView?> ReadGroupLineAsync(Guid owner, Guid group, Guid message, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        return (await ReadLinesAsync(connection, null, owner, group, null, 1, ct, only: message)).FirstOrDefault();
    }
}
