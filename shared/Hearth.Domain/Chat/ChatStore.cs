using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Chat;

/// <summary>The latest session of an agent.</summary>
internal sealed record SessionInfo(Guid Id, DateTimeOffset LastMessageAt, int Turns);

/// <summary>What a retry gets back: the stored user message, the reply and the turn's outcome.</summary>
internal sealed record StoredTurn(ChatMessageView User, ChatMessageView Reply, StoredOutcome Outcome, TokenCounts Tokens);

internal sealed record TokenCounts(long? Input, long? Output, long? Total);

/// <summary>The reply's outcome as stored with it (JSON), enough to answer a retry exactly as the first time.</summary>
internal sealed record StoredOutcome(double Mood, double MoodDelta, double Affinity, double AffinityDelta, IReadOnlyList<MemoryUsed> MemoriesUsed, PictureOutcome? Picture,
    IReadOnlyList<LoreUsed>? LoreUsed = null);

/// <summary>Everything the turn reads before calling the model, in one round trip.</summary>
internal sealed record TurnContext(
    Agent Agent,
    StoredTurn? Existing,
    SessionInfo? LatestSession,
    Scenario? Scenario,
    IReadOnlyList<LifeEvent> RecentEvents,
    IReadOnlyList<ConversationMessage> RecentMessages,
    long LatestSeq,
    Cards.CharacterCards.StoredCard? Card = null,
    IReadOnlyList<Lore.Lorebook>? Books = null,
    string CoreMemory = "")
{
    /// <summary>The latest messages a lorebook scans (as many as the deepest book's scan depth asks, at least the recent ones), oldest first.</summary>
    public IReadOnlyList<ConversationMessage> LoreWindow { get; init; } = RecentMessages;

    /// <summary>Whether <see cref="LoreWindow"/> holds every message of the agent (it read fewer than it asked for).</summary>
    public bool WindowHoldsAll { get; init; }

    /// <summary>The messages of <paramref name="session"/> this read holds, for hot memory (which then need not read them again).</summary>
    public Memory.SessionTail SessionTail(Guid session)
    {
        var id = session.ToString();
        var messages = LoreWindow.Where(m => m.SessionId == id).ToList();
        // Newest first in the database, so the window reaches the session's start once its oldest message is another session's.
        return new Memory.SessionTail(messages, WindowHoldsAll || (LoreWindow.Count > 0 && LoreWindow[0].SessionId != id));
    }
}

/// <summary>The writes of one turn (ids chosen by the caller).</summary>
internal sealed record TurnWrite(
    Guid Owner,
    Guid Agent,
    Guid Session,
    Guid UserMessageId,
    string UserText,
    string? ClientMessageId,
    DateTimeOffset UserAt,
    Guid ReplyId,
    string ReplyText,
    DateTimeOffset ReplyAt,
    string Provider,
    string Model,
    TokenCounts Tokens,
    FeelingChange Feelings,
    IReadOnlyList<MemoryUsed> Memories,
    PictureOutcome? Picture,
    IReadOnlyList<LoreUsed>? Lore = null,
    IReadOnlyList<PromptMessage>? Prompt = null);

/// <summary>SQL of sessions and messages (schema <c>chat</c>).</summary>
internal sealed class ChatStore(NpgsqlDataSource db)
{
    internal const string MessageColumns = "m.id, m.session_id, m.role, m.kind, m.text, m.created_at, m.client_message_id, m.reply_to, m.media_id, m.image_job_id, m.provider, m.model, m.edited_at";
    private const int MessageColumnCount = 13;
    private const int RecentMessages = 12;

    public NpgsqlDataSource DataSource => db;

    public async Task<TurnContext?> LoadTurnContextAsync(Guid owner, Guid agent, string? clientMessageId, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command($"select {AgentStore.Columns} from companions.agents a where a.id = @agent and a.owner_id = @owner", owner, agent));
        if (clientMessageId is not null)
        {
            var existing = Command($"""
                select {MessageColumns}, {MessageColumns.Replace("m.", "r.", StringComparison.Ordinal)}, r.input_tokens, r.output_tokens, r.total_tokens, r.outcome::text
                  from chat.messages m join chat.messages r on r.reply_to = m.id and r.role = 'agent' and r.kind = 'text'
                 where m.owner_id = @owner and m.agent_id = @agent and m.client_message_id = @cid
                """, owner, agent);
            existing.Parameters.AddWithValue("cid", clientMessageId);
            batch.BatchCommands.Add(existing);
        }
        batch.BatchCommands.Add(Command("select id, last_message_at, turns from chat.sessions where agent_id = @agent and owner_id = @owner order by last_message_at desc limit 1", owner, agent));
        var scenario = CompanionReads.ActiveScenario(owner, agent, now);
        batch.BatchCommands.Add(scenario.Command);
        var events = CompanionReads.LatestEvents(owner, agent, now, TimeSpan.FromDays(3), 3);
        batch.BatchCommands.Add(events.Command);
        batch.BatchCommands.Add(Command($"""
            select m.seq, m.id, m.session_id, m.role, m.text, m.created_at from chat.messages m
             where m.agent_id = @agent and m.owner_id = @owner
             order by m.seq desc
             limit greatest({RecentMessages}, coalesce((select max(b.scan_depth) from chat.lorebooks b
                                                          where b.owner_id = @owner and (b.agent_id = @agent or b.agent_id is null)), 0))
            """, owner, agent));
        batch.BatchCommands.Add(Command($"select {Cards.CharacterCards.CardColumns} from chat.character_cards c where c.agent_id = @agent and c.owner_id = @owner", owner, agent));
        batch.BatchCommands.Add(Command("select text from chat.core_memory where agent_id = @agent and owner_id = @owner", owner, agent));
        batch.BatchCommands.Add(Command(Lore.LoreStore.TurnBooksSql, owner, agent));
        batch.BatchCommands.Add(Command(Lore.LoreStore.TurnEntriesSql, owner, agent));

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var agentRow = AgentStore.Read(reader);

        StoredTurn? stored = null;
        if (clientMessageId is not null)
        {
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) stored = ReadStoredTurn(reader);
        }

        await reader.NextResultAsync(ct);
        SessionInfo? session = await reader.ReadAsync(ct) ? new SessionInfo(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2)) : null;

        await reader.NextResultAsync(ct);
        var active = await scenario.ReadAsync(reader, ct);

        await reader.NextResultAsync(ct);
        var lifeEvents = await events.ReadAsync(reader, ct);

        await reader.NextResultAsync(ct);
        var recent = new List<ConversationMessage>();
        long latestSeq = 0;
        var ownerText = owner.ToString();
        var agentText = agent.ToString();
        while (await reader.ReadAsync(ct))
        {
            latestSeq = Math.Max(latestSeq, reader.GetInt64(0));
            recent.Add(new ConversationMessage(reader.GetGuid(1).ToString(), ownerText, agentText, reader.IsDBNull(2) ? "" : reader.GetGuid(2).ToString(),
                reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        recent.Reverse();
        // The prompt reads the latest messages; a lorebook may scan further back (up to its scan depth).
        var loreWindow = recent;
        if (recent.Count > RecentMessages) recent = recent.GetRange(recent.Count - RecentMessages, RecentMessages);

        await reader.NextResultAsync(ct);
        var card = await reader.ReadAsync(ct) ? Cards.CharacterCards.ReadStored(reader, 0) : null;
        await reader.NextResultAsync(ct);
        var core = await reader.ReadAsync(ct) ? reader.GetString(0) : "";
        await reader.NextResultAsync(ct);
        var books = await Lore.LoreStore.ReadBooksAsync(reader, ct);
        return new TurnContext(agentRow, stored, session, active, lifeEvents, recent, latestSeq, card, books, core)
        {
            LoreWindow = loreWindow,
            WindowHoldsAll = loreWindow.Count < RecentMessages,
        };
    }

    public async Task<StoredTurn?> FindTurnAsync(Guid owner, Guid agent, string clientMessageId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {MessageColumns}, {MessageColumns.Replace("m.", "r.", StringComparison.Ordinal)}, r.input_tokens, r.output_tokens, r.total_tokens, r.outcome::text
              from chat.messages m join chat.messages r on r.reply_to = m.id and r.role = 'agent' and r.kind = 'text'
             where m.owner_id = @owner and m.agent_id = @agent and m.client_message_id = @cid
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("cid", clientMessageId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadStoredTurn(reader) : null;
    }

    /// <summary>
    /// The whole turn in one statement: the session (new, or one more exchange), the user message, the mood and affinity
    /// change (clamped; each non-zero change recorded with its reason against the reply) and the reply with the outcome
    /// stored for retries (and the picture job it started, when one was). Every write after the user message reads from it, so when the client message id is taken
    /// (a retry that committed first) nothing but the session row changes and the caller rolls back. The reply's row
    /// depends on the user message's row, so its sequence number is the higher one.
    /// </summary>
    public async Task<(bool Inserted, int TurnNumber, FeelingsAfter? After)> WriteTurnAsync(NpgsqlTransaction tx, TurnWrite w, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            with s as (
                insert into chat.sessions (id, owner_id, agent_id, started_at, last_message_at, turns) values (@session, @owner, @agent, @user_at, @user_at, 1)
                on conflict (id) do update set turns = chat.sessions.turns + 1, last_message_at = excluded.last_message_at
                returning turns
            ), u as (
                insert into chat.messages (id, owner_id, agent_id, session_id, role, kind, text, client_message_id, created_at)
                values (@user, @owner, @agent, @session, 'user', 'text', @user_text, @cid, @user_at)
                on conflict do nothing
                returning id
            ), old as (
                select a.id, a.owner_id, a.mood, a.affinity from companions.agents a, u where a.id = @agent and a.owner_id = @owner for update of a
            ), gained as (
                -- What chat already raised in the last hour: a rise takes what is left of the hour's allowance.
                select coalesce((select sum(delta) from companions.mood_changes where agent_id = @agent and source = 'chat' and delta > 0 and created_at > @at - interval '1 hour'), 0) as mood,
                       coalesce((select sum(delta) from companions.affinity_deltas where agent_id = @agent and source = 'chat' and delta > 0 and created_at > @at - interval '1 hour'), 0) as affinity
            ), upd as (
                -- Diminishing returns: a step shrinks with the distance left to the bound it moves toward; values are stored rounded.
                update companions.agents a
                   set mood = round(least(1, greatest(-1, old.mood + case
                                when @mood_delta > 0 then least(@mood_delta * (1 - old.mood), greatest(0, @mood_hour - gained.mood))
                                else @mood_delta * (1 + old.mood) end))::numeric, 4)::double precision,
                       affinity = round(least(100, greatest(0, old.affinity + case
                                when @affinity_delta > 0 then least(@affinity_delta * (100 - old.affinity) / 100, greatest(0, @affinity_hour - gained.affinity))
                                else @affinity_delta end))::numeric, 2)::double precision,
                       updated_at = @at
                  from old, gained where a.id = old.id
                returning a.id, a.owner_id, a.mood, a.affinity, old.mood as mood_before, old.affinity as affinity_before,
                          round((a.mood - old.mood)::numeric, 4)::double precision as mood_step, round((a.affinity - old.affinity)::numeric, 2)::double precision as affinity_step
            ), m as (
                insert into companions.mood_changes (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
                select owner_id, id, @reply, mood_step, mood, @mood_reason, 'chat', @at from upd where mood_step <> 0
            ), f as (
                insert into companions.affinity_deltas (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
                select owner_id, id, @reply, affinity_step, affinity, @affinity_reason, 'chat', @at from upd where affinity_step <> 0
            ), r as (
                insert into chat.messages (id, owner_id, agent_id, session_id, role, kind, text, reply_to, provider, model,
                                           input_tokens, output_tokens, total_tokens, outcome, prompt, created_at, image_job_id)
                select @reply, @owner, @agent, @session, 'agent', 'text', @text, @user, @provider, @model,
                       @input_tokens, @output_tokens, @total_tokens,
                       @outcome::jsonb || jsonb_build_object('mood', upd.mood, 'moodDelta', upd.mood_step,
                                                            'affinity', upd.affinity, 'affinityDelta', upd.affinity_step),
                       @prompt::jsonb, @at, @image_job
                  from upd
            )
            select (select count(*) from u), (select turns from s), upd.mood, upd.mood_step, upd.affinity, upd.affinity_step
              from (select 1) one left join upd on true
            """, tx.Connection, tx);
        var p = command.Parameters;
        p.AddWithValue("owner", w.Owner);
        p.AddWithValue("agent", w.Agent);
        p.AddWithValue("session", w.Session);
        p.AddWithValue("user", w.UserMessageId);
        p.AddWithValue("user_text", w.UserText);
        p.Add(new NpgsqlParameter("cid", NpgsqlDbType.Text) { Value = (object?)w.ClientMessageId ?? DBNull.Value });
        p.AddWithValue("user_at", w.UserAt);
        p.AddWithValue("reply", w.ReplyId);
        p.AddWithValue("text", w.ReplyText);
        p.AddWithValue("provider", w.Provider);
        p.AddWithValue("model", w.Model);
        p.Add(new NpgsqlParameter("input_tokens", NpgsqlDbType.Integer) { Value = Int(w.Tokens.Input) });
        p.Add(new NpgsqlParameter("output_tokens", NpgsqlDbType.Integer) { Value = Int(w.Tokens.Output) });
        p.Add(new NpgsqlParameter("total_tokens", NpgsqlDbType.Integer) { Value = Int(w.Tokens.Total) });
        p.AddWithValue("outcome", DurableJson.Serialize(new { memoriesUsed = w.Memories, picture = w.Picture, loreUsed = w.Lore }));
        p.Add(new NpgsqlParameter("prompt", NpgsqlDbType.Text) { Value = w.Prompt is null ? DBNull.Value : DurableJson.Serialize(w.Prompt) });
        p.AddWithValue("mood_delta", w.Feelings.MoodDelta);
        p.AddWithValue("mood_reason", w.Feelings.MoodReason);
        p.AddWithValue("affinity_delta", w.Feelings.AffinityDelta);
        p.AddWithValue("affinity_reason", w.Feelings.AffinityReason);
        p.AddWithValue("mood_hour", Feelings.MaxMoodGainPerHour);
        p.AddWithValue("affinity_hour", Feelings.MaxAffinityGainPerHour);
        p.AddWithValue("at", w.ReplyAt);
        p.Add(new NpgsqlParameter("image_job", NpgsqlDbType.Text) { Value = (object?)w.Picture?.ImageJobId ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var inserted = reader.GetInt64(0) > 0;
        var turns = reader.GetInt32(1);
        if (!inserted) return (false, turns, null);
        if (reader.IsDBNull(2)) throw new AgentGoneException();
        return (true, turns, new FeelingsAfter(reader.GetDouble(2), Math.Round(reader.GetDouble(3), 6), reader.GetDouble(4), Math.Round(reader.GetDouble(5), 6)));
    }

    /// <summary>The prompt stored with a reply; null when the message is not the owner's agent's or has no stored prompt.</summary>
    public async Task<ReplyPrompt?> GetPromptAsync(Guid owner, Guid agent, Guid message, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select m.prompt::text, m.provider, m.model, m.outcome::text from chat.messages m
             where m.id = @id and m.agent_id = @agent and m.owner_id = @owner and m.prompt is not null
            """);
        command.Parameters.AddWithValue("id", message);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var outcome = reader.IsDBNull(3) ? null : DurableJson.Deserialize<StoredOutcome>(reader.GetString(3));
        return new ReplyPrompt(message.ToString(), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            DurableJson.Deserialize<List<PromptMessage>>(reader.GetString(0)) ?? [], outcome?.MemoriesUsed ?? [], outcome?.LoreUsed ?? []);
    }

    public async Task<IReadOnlyList<ChatMessageView>?> ListMessagesAsync(Guid owner, Guid agent, Guid? before, int limit, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command("select 1 from companions.agents where id = @agent and owner_id = @owner", owner, agent));
        var list = Command($"""
            select {MessageColumns} from chat.messages m
             where m.agent_id = @agent and m.owner_id = @owner
               and (@before::uuid is null or m.seq < (select b.seq from chat.messages b where b.id = @before and b.agent_id = @agent and b.owner_id = @owner))
             order by m.seq desc
             limit @limit
            """, owner, agent);
        list.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)before ?? DBNull.Value });
        list.Parameters.AddWithValue("limit", limit);
        batch.BatchCommands.Add(list);
        if (before is { } b)
        {
            var known = Command("select 1 from chat.messages where id = @before and agent_id = @agent and owner_id = @owner", owner, agent);
            known.Parameters.AddWithValue("before", b);
            batch.BatchCommands.Add(known);
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        await reader.NextResultAsync(ct);
        var messages = new List<ChatMessageView>();
        while (await reader.ReadAsync(ct)) messages.Add(ReadMessage(reader, 0));
        if (before is not null)
        {
            await reader.NextResultAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new InvalidCursorException();
        }
        return messages;
    }

    /// <summary>Posts an agent message (picture or initiated); idempotent on the dedupe key. Null when the agent is not the owner's.</summary>
    public async Task<string?> PostAgentMessageAsync(Guid owner, Guid agent, Guid? session, string kind, string text, string? mediaId, string? imageJobId,
        string dedupeKey, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            with a as (select id, owner_id from companions.agents where id = @agent and owner_id = @owner),
                 s as (select coalesce(
                          (select id from chat.sessions where id = @session and agent_id = @agent),
                          (select id from chat.sessions where agent_id = @agent order by last_message_at desc limit 1)) as id),
                 ins as (
                    insert into chat.messages (id, owner_id, agent_id, session_id, role, kind, text, dedupe_key, media_id, image_job_id, created_at)
                    select @id, a.owner_id, a.id, s.id, 'agent', @kind, @text, @dedupe, @media, @job, @at from a, s
                    on conflict do nothing
                    returning id)
            select id from ins
            union all
            select id from chat.messages where owner_id = @owner and agent_id = @agent and dedupe_key = @dedupe
            limit 1
            """);
        command.Parameters.AddWithValue("id", Guid.CreateVersion7());
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.Add(new NpgsqlParameter("session", NpgsqlDbType.Uuid) { Value = (object?)session ?? DBNull.Value });
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("text", text);
        command.Parameters.AddWithValue("dedupe", dedupeKey);
        command.Parameters.Add(new NpgsqlParameter("media", NpgsqlDbType.Text) { Value = (object?)mediaId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("job", NpgsqlDbType.Text) { Value = (object?)imageJobId ?? DBNull.Value });
        command.Parameters.AddWithValue("at", at);
        return await command.ExecuteScalarAsync(ct) is Guid id ? id.ToString() : null;
    }

    public async Task<List<ConversationMessage>> QueryConversationAsync(string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken ct)
    {
        await using var command = db.CreateCommand(sql);
        parameters(command.Parameters);
        var list = new List<ConversationMessage>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new ConversationMessage(reader.GetGuid(0).ToString(), reader.GetGuid(1).ToString(), reader.GetGuid(2).ToString(),
                reader.IsDBNull(3) ? "" : reader.GetGuid(3).ToString(), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.FieldCount > 7 && !reader.IsDBNull(7) ? reader.GetFieldValue<DateTimeOffset>(7) : null));
        return list;
    }

    internal static ChatMessageView ReadMessage(NpgsqlDataReader reader, int at)
    {
        var kind = reader.GetString(at + 3);
        var mediaId = reader.IsDBNull(at + 8) ? null : reader.GetString(at + 8);
        var jobId = reader.IsDBNull(at + 9) ? null : reader.GetString(at + 9);
        return new ChatMessageView(
            reader.GetGuid(at).ToString(),
            reader.IsDBNull(at + 1) ? null : reader.GetGuid(at + 1).ToString(),
            reader.GetString(at + 2),
            kind,
            reader.GetString(at + 4),
            reader.GetFieldValue<DateTimeOffset>(at + 5),
            reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6),
            reader.IsDBNull(at + 7) ? null : reader.GetGuid(at + 7).ToString(),
            kind == "picture" && mediaId is not null ? new ChatAttachment("image", mediaId, jobId) : null,
            kind == "picture" ? null : jobId,
            reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10),
            reader.IsDBNull(at + 11) ? null : reader.GetString(at + 11),
            reader.IsDBNull(at + 12) ? null : reader.GetFieldValue<DateTimeOffset>(at + 12));
    }

    private static StoredTurn ReadStoredTurn(NpgsqlDataReader reader)
    {
        var user = ReadMessage(reader, 0);
        var reply = ReadMessage(reader, MessageColumnCount);
        var at = MessageColumnCount * 2;
        var tokens = new TokenCounts(reader.IsDBNull(at) ? null : reader.GetInt32(at), reader.IsDBNull(at + 1) ? null : reader.GetInt32(at + 1),
            reader.IsDBNull(at + 2) ? null : reader.GetInt32(at + 2));
        var outcome = DurableJson.Deserialize<StoredOutcome>(reader.GetString(at + 3))!;
        return new StoredTurn(user, reply, outcome, tokens);
    }

    private static NpgsqlBatchCommand Command(string sql, Guid owner, Guid agent)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("agent", agent);
        return command;
    }

    private static object Int(long? value) => value is { } v ? (object)(int)Math.Min(v, int.MaxValue) : DBNull.Value;
}

/// <summary>The agent was deleted while its turn ran.</summary>
internal sealed class AgentGoneException() : Exception("The agent no longer exists.");
