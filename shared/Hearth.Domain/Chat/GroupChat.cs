using System.Text.RegularExpressions;
using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Chat;

/// <summary>A companion in a group, in turn order.</summary>
public sealed record GroupMember(string AgentId, string Name, int Position);

/// <summary>A group chat: the user and two or more of their companions.</summary>
public sealed record ChatGroup(string Id, string Name, IReadOnlyList<GroupMember> Members, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// One line of a group chat; <see cref="AgentId"/> and <see cref="AgentName"/> say which companion spoke (null for the user).
/// A companion's line that was written again has <see cref="Alternatives"/> &gt; 1, <see cref="Selected"/> the one shown.
/// </summary>
public sealed record GroupMessageView(string Id, string Role, string? AgentId, string? AgentName, string Text, DateTimeOffset CreatedAt,
    string? ClientMessageId = null, string? ReplyTo = null, string? Provider = null, string? Model = null, DateTimeOffset? EditedAt = null,
    int Alternatives = 1, int Selected = 0)
{
    /// <summary>Whether the user edited the text shown (<see cref="EditedAt"/>: when, last).</summary>
    public bool Edited => EditedAt is not null;
}

/// <summary>A companion's reply in a group turn, labelled with who spoke, with its own mood and affinity toward the user after it.</summary>
public sealed record GroupReply(string Id, string AgentId, string AgentName, string Text, string Provider, string Model, MoodState Mood, AffinityState Affinity,
    DateTimeOffset CreatedAt);

/// <summary>A group turn's result: the user's line and the replies, in the order spoken.</summary>
public sealed record GroupTurnResult(GroupMessageView UserMessage, IReadOnlyList<GroupReply> Replies, bool Replayed);

/// <summary>A group turn: who writes what to which group.</summary>
public sealed record GroupTurnCommand(string OwnerId, string OwnerTimeZone, string GroupId, string Text, string? ClientMessageId = null, string? OwnerName = null);

/// <summary>The outcome of a group call: the value, or why not (<see cref="Status"/> 404 or 409 with <see cref="Detail"/>).</summary>
public sealed record GroupOutcome<T>(T? Result, int Status = 200, string? Detail = null) where T : class;

/// <summary>
/// Group chat: the user talks with two or more of their companions in one conversation. Each user line is answered by
/// the companions it addresses by name (whole word, in the order named), or else by the next companion in turn
/// (round-robin after the last one who spoke). Each reply is written exactly as that companion's 1:1 reply is — its
/// persona, card, lorebook, memory, mood, time and availability — from the group's transcript (the others' lines
/// labelled with their names), goes through the same guard, and moves that companion's own mood and affinity toward the
/// user. The user's line, the replies and every feeling change commit in one transaction, after all replies are written.
/// </summary>
public sealed partial class ChatTurnService
{
    /// <summary>Companions a group holds at most.</summary>
    public const int MaxGroupMembers = 8;

    /// <summary>Group lines a reply is written from.</summary>
    private const int GroupTranscript = 20;

    /// <summary>Creates a group of the owner's companions; 400 (with the index of the offending id in <see cref="GroupOutcome{T}.Detail"/>) when one is not theirs.</summary>
    public async Task<GroupOutcome<ChatGroup>> CreateGroupAsync(string ownerId, string? name, IReadOnlyList<string> agentIds, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return new(null, 404);
        var ids = new Guid[agentIds.Count];
        for (var i = 0; i < agentIds.Count; i++)
            if (!Guid.TryParse(agentIds[i], out ids[i])) return new(null, 400, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        var names = new Dictionary<Guid, string>();
        await using (var read = new NpgsqlCommand("select id, name from companions.agents where owner_id = @owner and id = any(@ids) for share", tx.Connection, tx))
        {
            read.Parameters.AddWithValue("owner", owner);
            read.Parameters.AddWithValue("ids", ids);
            await using var r = await read.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) names[r.GetGuid(0)] = r.GetString(1);
        }
        for (var i = 0; i < ids.Length; i++)
            if (!names.ContainsKey(ids[i])) return new(null, 400, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var id = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        var title = string.IsNullOrWhiteSpace(name) ? string.Join(", ", ids.Select(a => names[a])) : name.Trim();
        await using (var insert = new NpgsqlCommand("""
            insert into chat.groups (id, owner_id, name, created_at, updated_at) values (@id, @owner, @name, @now, @now);
            insert into chat.group_members (group_id, agent_id, owner_id, position) select @id, a, @owner, p - 1 from unnest(@agents) with ordinality as u(a, p);
            """, tx.Connection, tx))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("name", title);
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("agents", ids);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await durable.CommitAsync(ct);
        return new(new ChatGroup(id.ToString(), title, ids.Select((a, i) => new GroupMember(a.ToString(), names[a], i)).ToList(), now, now));
    }

    /// <summary>The owner's group; null when it is not theirs.</summary>
    public async Task<ChatGroup?> GetGroupAsync(string ownerId, string groupId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group)) return null;
        var groups = await ReadGroupsAsync(owner, group, null, 1, ct);
        return groups.Count == 0 ? null : groups[0];
    }

    /// <summary>The owner's groups, newest first, after the cursor (a group id).</summary>
    public async Task<IReadOnlyList<ChatGroup>> ListGroupsAsync(string ownerId, string? before, int limit, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return [];
        Guid? cursor = Guid.TryParse(before, out var b) ? b : null;
        return await ReadGroupsAsync(owner, null, cursor, limit, ct);
    }

    /// <summary>
    /// Deletes the owner's group and its lines (the companions stay); false when it is not theirs. Its lines leave tombstones
    /// and memory is told to forget each companion's exchanges, in the same transaction.
    /// </summary>
    public async Task<bool> DeleteGroupAsync(string ownerId, string groupId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group)) return false;
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        var now = time.GetUtcNow();
        var replies = new List<JobRequest>();
        await using (var command = new NpgsqlCommand("""
            with g as (delete from chat.groups where id = @id and owner_id = @owner returning id),
                 t as (
                    insert into chat.deleted_group_messages (id, owner_id, group_id, agent_id, role, deleted_at)
                    select m.id, m.owner_id, m.group_id, m.agent_id, m.role, @at from chat.group_messages m where m.group_id = @id and m.owner_id = @owner
                    on conflict do nothing)
            select (select count(*)::int from g), m.id, m.agent_id, m.created_at, m.reply_to,
                   (select u.created_at from chat.group_messages u where u.id = m.reply_to)
              from (select 1) one left join chat.group_messages m on m.group_id = @id and m.owner_id = @owner and m.role = 'agent' and m.reply_to is not null
            """, tx.Connection, tx))
        {
            command.Parameters.AddWithValue("id", group);
            command.Parameters.AddWithValue("owner", owner);
            command.Parameters.AddWithValue("at", now);
            await using var r = await command.ExecuteReaderAsync(ct);
            var found = false;
            while (await r.ReadAsync(ct))
            {
                found = r.GetInt32(0) > 0;
                if (!found || r.IsDBNull(1)) continue;
                var (reply, user) = (r.GetGuid(1).ToString(), r.GetGuid(4).ToString());
                var at = r.GetFieldValue<DateTimeOffset>(3);
                var deleted = new MessagesDeleted(ownerId, r.GetGuid(2).ToString(), groupId, [user, reply], user, reply, r.GetFieldValue<DateTimeOffset>(5), at, now);
                replies.Add(new JobRequest(ChatQueues.ForgetMessages, deleted, new EnqueueOptions { Owner = ownerId }));
                // The archive's copies go too (only exchanges were ever mirrored).
                if (archive.IsEnabled) replies.Add(new JobRequest(ChatQueues.ForgetArchivedMessages, deleted, new EnqueueOptions { Owner = ownerId }));
            }
            if (!found) return false;
        }
        if (replies.Count > 0) await jobs.EnqueueManyAsync(replies, tx, ct);
        await durable.CommitAsync(ct);
        return true;
    }

    /// <summary>A page of the group's lines, newest first, older than <paramref name="before"/>; null when the group is not the owner's.</summary>
    public async Task<IReadOnlyList<GroupMessageView>?> ListGroupMessagesAsync(string ownerId, string groupId, string? before, int limit, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group)) return null;
        if (await GetGroupAsync(ownerId, groupId, ct) is null) return null;
        Guid? cursor = null;
        if (before is not null)
        {
            if (!Guid.TryParse(before, out var parsed)) throw new InvalidCursorException();
            cursor = parsed;
        }
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        if (cursor is { } c)
        {
            await using var known = new NpgsqlCommand("select 1 from chat.group_messages where id = @id and group_id = @group and owner_id = @owner", connection);
            known.Parameters.AddWithValue("id", c);
            known.Parameters.AddWithValue("group", group);
            known.Parameters.AddWithValue("owner", owner);
            if (await known.ExecuteScalarAsync(ct) is null) throw new InvalidCursorException();
        }
        var lines = await ReadLinesAsync(connection, null, owner, group, cursor, limit, ct);
        lines.Reverse();
        return lines;
    }

    /// <summary>A group turn: the user's line, answered by the companions it names or by the next in turn.</summary>
    public async Task<GroupOutcome<GroupTurnResult>> GroupTurnAsync(GroupTurnCommand command, CancellationToken ct)
    {
        if (!Guid.TryParse(command.OwnerId, out var owner) || !Guid.TryParse(command.GroupId, out var groupId)) return new(null, 404);
        var group = await GetGroupAsync(command.OwnerId, command.GroupId, ct);
        if (group is null) return new(null, 404);
        if (command.ClientMessageId is { } cid && await FindGroupTurnAsync(owner, groupId, cid, ct) is { } stored) return new(stored);
        if (group.Members.Count == 0) return new(null, 409, "The group has no companions left.");

        var text = command.Text.Trim();
        var now = time.GetUtcNow();
        List<GroupMessageView> transcript;
        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
            transcript = await ReadLinesAsync(connection, null, owner, groupId, null, GroupTranscript, ct); // oldest first
        var userName = string.IsNullOrWhiteSpace(command.OwnerName) ? "User" : command.OwnerName.Trim();
        var speakers = Addressed(text, group.Members);
        if (speakers.Count == 0) speakers = [NextInTurn(group.Members, transcript)];

        var userLine = new GroupMessageView(Guid.CreateVersion7().ToString(), "user", null, null, text, now, command.ClientMessageId);
        var round = new List<(GroupMessageView Line, string Speaker)> { (userLine, userName) };
        var replies = new List<(GroupReply Reply, FeelingChange Feelings, IReadOnlyList<PromptMessage> Prompt)>();
        foreach (var member in speakers)
        {
            var written = await WriteGroupReplyAsync(command, group, member, transcript, round, userName, now, transcript.Count + round.Count, ct);
            if (written is null) continue; // deleted meanwhile: the others still answer
            var (agent, reply) = (written.Agent, written.Reply);
            var at = time.GetUtcNow();
            var line = new GroupMessageView(Guid.CreateVersion7().ToString(), "agent", member.AgentId, agent.Name, reply.Text, at < now ? now : at,
                null, userLine.Id, reply.Reply.Provider, reply.Reply.Model);
            round.Add((line, agent.Name));
            replies.Add((new GroupReply(line.Id, member.AgentId, agent.Name, line.Text, reply.Reply.Provider, reply.Reply.Model,
                new MoodState(agent.Mood, Feelings.MoodLabel(agent.Mood), 0), new AffinityState(agent.Affinity, 0, Feelings.AffinityBand(agent.Affinity)), line.CreatedAt),
                written.Feelings, Prompt(reply.Sent)));
        }
        if (replies.Count == 0) return new(null, 409, "The group has no companions left.");

        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        await using (var insertUser = new NpgsqlCommand("""
            insert into chat.group_messages (id, group_id, owner_id, role, text, client_message_id, created_at)
            select @id, g.id, g.owner_id, 'user', @text, @cid, @at from chat.groups g where g.id = @group and g.owner_id = @owner
            on conflict do nothing
            """, tx.Connection, tx))
        {
            insertUser.Parameters.AddWithValue("id", Guid.Parse(userLine.Id));
            insertUser.Parameters.AddWithValue("group", groupId);
            insertUser.Parameters.AddWithValue("owner", owner);
            insertUser.Parameters.AddWithValue("text", text);
            insertUser.Parameters.Add(new NpgsqlParameter("cid", NpgsqlDbType.Text) { Value = (object?)command.ClientMessageId ?? DBNull.Value });
            insertUser.Parameters.AddWithValue("at", now);
            if (await insertUser.ExecuteNonQueryAsync(ct) == 0)
            {
                // A retry with the same client message id committed first, or the group went: answer as the first time did.
                await tx.RollbackAsync(ct);
                return command.ClientMessageId is { } retried && await FindGroupTurnAsync(owner, groupId, retried, ct) is { } first ? new(first) : new(null, 404);
            }
        }
        var result = new List<GroupReply>(replies.Count);
        foreach (var (reply, feelings, prompt) in replies)
        {
            await using var change = new NpgsqlCommand(AgentFeelingsStore.ChangeSql, tx.Connection, tx);
            AgentFeelingsStore.AddParameters(change.Parameters, owner, Guid.Parse(reply.AgentId), Feelings.ClampMoodStep(feelings.MoodDelta), null, feelings.MoodReason,
                feelings.AffinityDelta, feelings.AffinityReason, "group", Guid.Parse(reply.Id), reply.CreatedAt);
            GroupReply after = reply;
            await using (var r = await change.ExecuteReaderAsync(ct))
            {
                if (!await r.ReadAsync(ct)) continue; // the companion was deleted meanwhile: its line goes with it
                after = reply with
                {
                    Mood = new MoodState(r.GetDouble(0), Feelings.MoodLabel(r.GetDouble(0)), Math.Round(r.GetDouble(1), 6)),
                    Affinity = new AffinityState(r.GetDouble(2), Math.Round(r.GetDouble(3), 6), Feelings.AffinityBand(r.GetDouble(2))),
                };
            }
            await using var insert = new NpgsqlCommand("""
                insert into chat.group_messages (id, group_id, owner_id, role, agent_id, text, reply_to, provider, model, prompt, outcome, created_at)
                values (@id, @group, @owner, 'agent', @agent, @text, @reply_to, @provider, @model, @prompt::jsonb, @outcome::jsonb, @at)
                """, tx.Connection, tx);
            insert.Parameters.AddWithValue("id", Guid.Parse(after.Id));
            insert.Parameters.AddWithValue("group", groupId);
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("agent", Guid.Parse(after.AgentId));
            insert.Parameters.AddWithValue("text", after.Text);
            insert.Parameters.AddWithValue("reply_to", Guid.Parse(userLine.Id));
            insert.Parameters.AddWithValue("provider", after.Provider);
            insert.Parameters.AddWithValue("model", after.Model);
            insert.Parameters.AddWithValue("prompt", DurableJson.Serialize(prompt));
            insert.Parameters.AddWithValue("outcome", DurableJson.Serialize(new { mood = after.Mood, affinity = after.Affinity }));
            insert.Parameters.AddWithValue("at", after.CreatedAt);
            await insert.ExecuteNonQueryAsync(ct);
            result.Add(after);
        }
        await using (var touch = new NpgsqlCommand("update chat.groups set updated_at = @at where id = @group", tx.Connection, tx))
        {
            touch.Parameters.AddWithValue("at", now);
            touch.Parameters.AddWithValue("group", groupId);
            await touch.ExecuteNonQueryAsync(ct);
        }
        // Memory and the archive: each companion's exchange (the user's line and its reply) is that companion's, as a 1:1 turn
        // is — indexed, summarised every N of its exchanges in the group, mirrored. The user's words are read for suggestions
        // once, with the first reply: they were said once, whoever answered.
        var side = new List<JobRequest>();
        foreach (var reply in result)
        {
            var (exchanges, _) = await CompanionExchangesAsync(tx, groupId, Guid.Parse(reply.AgentId), ct);
            side.AddRange(ExchangeJobs(new TurnCommitted(command.OwnerId, reply.AgentId, command.GroupId, userLine.Id, reply.Id, exchanges, reply.CreatedAt),
                suggestions: side.Count == 0, SummaryDue(exchanges) ? $"{command.GroupId}:{reply.AgentId}:{exchanges}" : null));
        }
        if (side.Count > 0) await jobs.EnqueueManyAsync(side, tx, ct);
        await durable.CommitAsync(ct);
        return new(new GroupTurnResult(userLine, result, false));
    }

    private sealed record GroupWritten(Agent Agent, Written Reply, FeelingChange Feelings);

    /// <summary>
    /// One companion's line in a group: written exactly as its 1:1 reply is (its persona, card, lorebook, memory, core block,
    /// mood, time and weather) from the group's lines before this round (<paramref name="transcript"/>, oldest first) and
    /// the round so far (the user's line first); null when the companion is gone.
    /// </summary>
    private async Task<GroupWritten?> WriteGroupReplyAsync(GroupTurnCommand command, ChatGroup group, GroupMember member, IReadOnlyList<GroupMessageView> transcript,
        IReadOnlyList<(GroupMessageView Line, string Speaker)> round, string userName, DateTimeOffset now, int seed, CancellationToken ct, string? replacing = null,
        IChatTurnObserver? observer = null)
    {
        var owner = Guid.Parse(command.OwnerId);
        var groupId = Guid.Parse(group.Id);
        var text = round[0].Line.Text;
        var context = await store.LoadTurnContextAsync(owner, Guid.Parse(member.AgentId), null, now, ct);
        if (context is null) return null;
        var agent = context.Agent;
        var before = transcript.Select(l => Line(l, agent, owner, groupId, userName)).ToList();
        var said = string.Join("\n", round.Select(r => $"{r.Speaker}: {r.Line.Text}"));
        var turn = new ChatTurnCommand(command.OwnerId, command.OwnerTimeZone, member.AgentId, text, null, command.OwnerName);
        var memory = await RecallAsync(turn, groupId, text, now, context with { RecentMessages = before }, ct, replacing);
        var moment = AgentClock.At(now, agent.TimeZone);
        var sky = await WeatherAsync(agent, moment, ct);
        var lore = Lore.LoreScanner.Select(context.Books ?? [], [.. before.Select(m => m.Text), said]);
        var others = group.Members.Where(m => m.AgentId != member.AgentId).Select(m => m.Name).ToList();
        var replyContext = new ReplyContext(agent, said, moment, agent.Availability.StateAt(moment.Local), sky, context.Scenario, context.RecentEvents, memory,
            before, null, before.LastOrDefault(m => m.Role == "agent")?.Text, context.Card, lore, userName)
        {
            GroupOthers = others,
            CoreMemory = context.CoreMemory,
        };
        var written = await WriteReplyAsync(replyContext, ChatOfflineResponder.SeedFor(agent.Id, seed), observer, ct);
        return new GroupWritten(agent, written, written.Judgement ?? Sentiment.Judge(text));
    }

    /// <summary>The prompt a group reply was written from (the prompt inspector); null when it is not the owner's group's reply.</summary>
    public async Task<ReplyPrompt?> GetGroupPromptAsync(string ownerId, string groupId, string messageId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(groupId, out var group) || !Guid.TryParse(messageId, out var message)) return null;
        await using var command = store.DataSource.CreateCommand("""
            select prompt::text, provider, model from chat.group_messages where id = @id and group_id = @group and owner_id = @owner and prompt is not null
            """);
        command.Parameters.AddWithValue("id", message);
        command.Parameters.AddWithValue("group", group);
        command.Parameters.AddWithValue("owner", owner);
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new ReplyPrompt(messageId, r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
            DurableJson.Deserialize<List<PromptMessage>>(r.GetString(0)) ?? [], [], []);
    }

    /// <summary>The members the text names (whole words, any case), in the order first named.</summary>
    internal static List<GroupMember> Addressed(string text, IReadOnlyList<GroupMember> members) =>
        members.Select(m => (Member: m, At: Regex.Match(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(m.Name)}(?![\p{{L}}\p{{N}}])",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))))
            .Where(x => x.At.Success).OrderBy(x => x.At.Index).ThenBy(x => x.Member.Position).Select(x => x.Member).ToList();

    /// <summary>The member after the last one who spoke, in position order (the first when none has).</summary>
    internal static GroupMember NextInTurn(IReadOnlyList<GroupMember> members, IReadOnlyList<GroupMessageView> transcript)
    {
        var ordered = members.OrderBy(m => m.Position).ToList();
        var last = transcript.LastOrDefault(l => l.Role == "agent" && ordered.Any(m => m.AgentId == l.AgentId));
        if (last is null) return ordered[0];
        var index = ordered.FindIndex(m => m.AgentId == last.AgentId);
        return ordered[(index + 1) % ordered.Count];
    }

    /// <summary>A group line as the speaking companion reads it: its own lines are its replies, everyone else's are labelled with who said them.</summary>
    private static ConversationMessage Line(GroupMessageView line, Agent speaker, Guid owner, Guid group, string userName) =>
        line.AgentId == speaker.Id
            ? new ConversationMessage(line.Id, owner.ToString(), speaker.Id, group.ToString(), "agent", line.Text, line.CreatedAt)
            : new ConversationMessage(line.Id, owner.ToString(), speaker.Id, group.ToString(), "user", $"{line.AgentName ?? userName}: {line.Text}", line.CreatedAt);

    private async Task<List<ChatGroup>> ReadGroupsAsync(Guid owner, Guid? group, Guid? before, int limit, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand("""
            select g.id, g.name, g.created_at, g.updated_at,
                   coalesce((select jsonb_agg(jsonb_build_object('agentId', m.agent_id, 'name', a.name, 'position', m.position) order by m.position)
                               from chat.group_members m join companions.agents a on a.id = m.agent_id where m.group_id = g.id), '[]')::text
              from chat.groups g
             where g.owner_id = @owner and (@group::uuid is null or g.id = @group)
               and (@before::uuid is null or (g.created_at, g.id) < (select b.created_at, b.id from chat.groups b where b.id = @before and b.owner_id = @owner))
             order by g.created_at desc, g.id desc limit @limit
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("group", NpgsqlDbType.Uuid) { Value = (object?)group ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)before ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<ChatGroup>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new ChatGroup(r.GetGuid(0).ToString(), r.GetString(1), DurableJson.Deserialize<List<GroupMember>>(r.GetString(4)) ?? [],
                r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3)));
        return list;
    }

    /// <summary>The group's lines newest first (older than <paramref name="before"/>), labelled with the speaker's current name.</summary>
    private static async Task<List<GroupMessageView>> ReadLinesAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid owner, Guid group, Guid? before, int limit,
        CancellationToken ct, string? clientMessageId = null, Guid? only = null)
    {
        await using var command = new NpgsqlCommand("""
            select m.id, m.role, m.agent_id, a.name, m.text, m.created_at, m.client_message_id, m.reply_to, m.provider, m.model, m.edited_at,
                   greatest(1, (select count(*)::int from chat.group_reply_alternatives x where x.reply_id = m.id)), coalesce(m.selected_alternative, 0)
              from chat.group_messages m left join companions.agents a on a.id = m.agent_id
             where m.group_id = @group and m.owner_id = @owner
               and (@before::uuid is null or m.seq < (select b.seq from chat.group_messages b where b.id = @before))
               and (@only::uuid is null or m.id = @only)
               and (@cid::text is null or m.client_message_id = @cid or m.reply_to = (select u.id from chat.group_messages u where u.group_id = @group and u.client_message_id = @cid))
             order by m.seq desc limit @limit
            """, connection, tx);
        command.Parameters.AddWithValue("group", group);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)before ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("cid", NpgsqlDbType.Text) { Value = (object?)clientMessageId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("only", NpgsqlDbType.Uuid) { Value = (object?)only ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<GroupMessageView>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new GroupMessageView(r.GetGuid(0).ToString(), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2).ToString(), r.IsDBNull(3) ? null : r.GetString(3),
                r.GetString(4), r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetGuid(7).ToString(),
                r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
                r.GetInt32(11), r.GetInt32(12)));
        list.Reverse(); // oldest first
        return list;
    }

    /// <summary>The stored turn of a client message id (a retry gets the first answer).</summary>
    private async Task<GroupTurnResult?> FindGroupTurnAsync(Guid owner, Guid group, string clientMessageId, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        var lines = await ReadLinesAsync(connection, null, owner, group, null, MaxGroupMembers + 1, ct, clientMessageId);
        var user = lines.FirstOrDefault(l => l.Role == "user");
        if (user is null) return null;
        var outcomes = new Dictionary<string, (MoodState Mood, AffinityState Affinity)>();
        await using (var read = new NpgsqlCommand("select id, outcome::text from chat.group_messages where reply_to = @user and outcome is not null", connection))
        {
            read.Parameters.AddWithValue("user", Guid.Parse(user.Id));
            await using var r = await read.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                if (DurableJson.Deserialize<StoredGroupOutcome>(r.GetString(1)) is { } o) outcomes[r.GetGuid(0).ToString()] = (o.Mood, o.Affinity);
        }
        var replies = lines.Where(l => l.Role == "agent" && outcomes.ContainsKey(l.Id)).Select(l => new GroupReply(l.Id, l.AgentId!, l.AgentName ?? "", l.Text,
            l.Provider ?? "", l.Model ?? "", outcomes[l.Id].Mood, outcomes[l.Id].Affinity, l.CreatedAt)).ToList();
        return new GroupTurnResult(user, replies, true);
    }

    private sealed record StoredGroupOutcome(MoodState Mood, AffinityState Affinity);
}

/// <summary>The account's part of its deletion for group chats: the groups and the user's lines (the companions' lines go with them).</summary>
public sealed class GroupAccountEraser(NpgsqlDataSource db) : IAccountEraser
{
    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return;
        await using var command = db.CreateCommand("delete from chat.groups where owner_id = @owner; delete from chat.deleted_group_messages where owner_id = @owner;");
        command.Parameters.AddWithValue("owner", owner);
        await command.ExecuteNonQueryAsync(ct);
    }
}
