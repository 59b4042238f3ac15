using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Models;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Chat;

/// <summary>Regenerating a reply: who asks, for which reply.</summary>
public sealed record RegenerateCommand(string OwnerId, string OwnerTimeZone, string AgentId, string ReplyId, string? OwnerName = null);

/// <summary>One alternative of a reply; <see cref="EditedAt"/>: when the user last edited its text (null: as written).</summary>
public sealed record ReplyAlternative(int Index, string Text, string? Provider, string? Model, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt = null)
{
    /// <summary>Whether the user edited this alternative's text.</summary>
    public bool Edited => EditedAt is not null;
}

/// <summary>
/// A reply's alternatives ("swipes") and which one is chosen; the chosen one is the reply's text everywhere. After a
/// regeneration or a choice, <see cref="Mood"/> and <see cref="Affinity"/> are the companion's feelings with the chosen
/// alternative's judgement in place of the one it replaced.
/// </summary>
public sealed record ReplyAlternatives(
    string ReplyId,
    int Selected,
    IReadOnlyList<ReplyAlternative> Items,
    string Text,
    string? Provider,
    string? Model,
    IReadOnlyList<MemoryUsed> MemoriesUsed,
    IReadOnlyList<LoreUsed> LoreUsed,
    MoodState? Mood = null,
    AffinityState? Affinity = null);

/// <summary>The outcome of regenerating or choosing: the alternatives, or why not (<see cref="Status"/> 404, 409 or 400 with <see cref="Detail"/>).</summary>
public sealed record AlternativesOutcome(ReplyAlternatives? Result, int Status = 200, string? Detail = null)
{
    public static AlternativesOutcome NotFound { get; } = new(null, 404);
}

/// <summary>
/// Alternative replies, SillyTavern's swipes: the latest reply can be written again (the same context, the same user
/// message, another try of the model chain) and any of its alternatives chosen. Only the chosen one counts: the reply
/// row holds its text, provider, prompt and the memory it used, so later prompts, the index (re-indexed), summaries
/// (written again when the turn had asked for one) and the messages API see it alone; the judgement of the alternative it
/// replaces is taken back from mood and affinity and its own applied (each change recorded with its reason).
/// </summary>
public sealed partial class ChatTurnService
{
    private sealed record ReplyRow(
        Guid Id, Guid Session, string Text, string? Provider, string? Model, int? Input, int? Output, int? Total, string? Prompt, StoredOutcome Outcome,
        DateTimeOffset CreatedAt, int? Selected, long Seq, Guid UserId, string UserText, DateTimeOffset UserAt, int Turns, bool Superseded);

    /// <summary>The reply's alternatives (a reply never regenerated has one, itself); null when it is not the owner's agent's reply.</summary>
    public async Task<ReplyAlternatives?> ListAlternativesAsync(string ownerId, string agentId, string replyId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent) || !Guid.TryParse(replyId, out var reply)) return null;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        if (await FindReplyAsync(connection, null, owner, agent, reply, ct) is not { } row)
            return await FindOpeningAsync(connection, null, owner, agent, reply, ct) is { } opening ? await OpeningViewAsync(connection, null, opening, ct) : null;
        return View(row, await ListAsync(connection, null, row, ct), null);
    }

    /// <summary>Writes the latest reply again and chooses the new alternative; with an observer, streamed as a chat turn is.</summary>
    public async Task<AlternativesOutcome> RegenerateAsync(RegenerateCommand command, IChatTurnObserver? observer, CancellationToken ct)
    {
        if (!Guid.TryParse(command.OwnerId, out var owner) || !Guid.TryParse(command.AgentId, out var agentId) || !Guid.TryParse(command.ReplyId, out var replyId))
            return AlternativesOutcome.NotFound;
        var now = time.GetUtcNow();
        var context = await store.LoadTurnContextAsync(owner, agentId, null, now, ct);
        if (context is null) return AlternativesOutcome.NotFound;
        ReplyRow? row;
        int count;
        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
        {
            row = await FindReplyAsync(connection, null, owner, agentId, replyId, ct);
            if (row is null)
                return await FindOpeningAsync(connection, null, owner, agentId, replyId, ct) is null
                    ? AlternativesOutcome.NotFound
                    : new AlternativesOutcome(null, 409, "The opening message is chosen among the card's greetings (PUT …/selected), not written again.");
            count = (await ListAsync(connection, null, row, ct)).Count;
        }
        if (row.Superseded) return new AlternativesOutcome(null, 409, "Only the latest reply can be written again; the conversation has moved on.");
        if (count >= MaxAlternatives) return new AlternativesOutcome(null, 409, $"A reply keeps at most {MaxAlternatives} alternatives.");

        // The context the reply was written in: everything before the user's message.
        var agent = context.Agent;
        var before = context.RecentMessages.TakeWhile(m => m.Id != row.UserId.ToString()).ToList();
        var turn = new ChatTurnCommand(command.OwnerId, command.OwnerTimeZone, command.AgentId, row.UserText, null, command.OwnerName);
        var memory = await RecallAsync(turn, row.Session, row.UserText, now, context with { RecentMessages = before }, ct, replacing: replyId.ToString());
        var moment = AgentClock.At(now, agent.TimeZone);
        var sky = await WeatherAsync(agent, moment, ct);
        var lore = Lore.LoreScanner.Select(context.Books ?? [], [.. context.LoreWindow.TakeWhile(m => m.Id != row.UserId.ToString()).Select(m => m.Text), row.UserText]);
        var replyContext = new ReplyContext(agent, row.UserText, moment, agent.Availability.StateAt(moment.Local), sky, context.Scenario, context.RecentEvents, memory,
            before, row.Outcome.Picture, before.LastOrDefault(m => m.Role == "agent")?.Text, context.Card, lore,
            string.IsNullOrWhiteSpace(command.OwnerName) ? "you" : command.OwnerName)
        {
            CoreMemory = context.CoreMemory,
        };
        var written = await WriteReplyAsync(replyContext, ChatOfflineResponder.SeedFor(agent.Id, unchecked((int)row.Seq + 7919 * Math.Max(count, 1))), observer, ct);
        var feelings = written.Judgement ?? Sentiment.Judge(row.UserText);
        var alternative = new NewAlternative(written.Text, written.Reply.Provider, written.Reply.Model, written.Usage, Prompt(written.Sent),
            memory.All.Select(m => new MemoryUsed(m.Id, m.Kind, m.Tier, m.Snippet)).ToList(),
            lore.Select(l => new LoreUsed(l.Entry.Id, l.BookId, l.UserBook ? "user" : "agent", l.Entry.Name, l.Entry.Keys)).ToList(), feelings);

        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        var locked = await FindReplyAsync(tx.Connection!, tx, owner, agentId, replyId, ct, forUpdate: true);
        if (locked is null) return AlternativesOutcome.NotFound;
        if (locked.Superseded) return new AlternativesOutcome(null, 409, "Only the latest reply can be written again; the conversation has moved on.");
        await KeepOriginalAsync(tx, owner, locked, ct);
        var index = await AddAlternativeAsync(tx, owner, locked.Id, alternative, time.GetUtcNow(), ct);
        var result = await ChooseAsync(tx, owner, agentId, locked, index, command.OwnerId, command.AgentId, ct);
        await durable.CommitAsync(ct);
        return new AlternativesOutcome(result);
    }

    /// <summary>Chooses alternative <paramref name="index"/> of the latest reply.</summary>
    public async Task<AlternativesOutcome> SelectAsync(string ownerId, string agentId, string replyId, int index, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent) || !Guid.TryParse(replyId, out var reply)) return AlternativesOutcome.NotFound;
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        if (await FindReplyAsync(tx.Connection!, tx, owner, agent, reply, ct, forUpdate: true) is not { } row)
        {
            if (await FindOpeningAsync(tx.Connection!, tx, owner, agent, reply, ct, forUpdate: true) is not { } opening) return AlternativesOutcome.NotFound;
            var chosen = await SelectGreetingAsync(tx, opening, index, ct);
            if (chosen.Result is not null) await durable.CommitAsync(ct);
            return chosen;
        }
        var count = Math.Max(1, (await ListAsync(tx.Connection!, tx, row, ct)).Count);
        if (index < 0 || index >= count) return new AlternativesOutcome(null, 400, $"must be between 0 and {count - 1}");
        if (row.Superseded && index != (row.Selected ?? 0))
            return new AlternativesOutcome(null, 409, "Only the latest reply's alternative can be chosen; the conversation has moved on.");
        await KeepOriginalAsync(tx, owner, row, ct);
        var result = await ChooseAsync(tx, owner, agent, row, index, ownerId, agentId, ct);
        await durable.CommitAsync(ct);
        return new AlternativesOutcome(result);
    }

    /// <summary>Most alternatives a reply keeps.</summary>
    public const int MaxAlternatives = 20;

    private sealed record NewAlternative(string Text, string Provider, string Model, TokenUsage? Usage, IReadOnlyList<PromptMessage> Prompt,
        IReadOnlyList<MemoryUsed> Memories, IReadOnlyList<LoreUsed> Lore, FeelingChange Feelings);

    private static async Task<ReplyRow?> FindReplyAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid owner, Guid agent, Guid reply, CancellationToken ct,
        bool forUpdate = false)
    {
        await using var command = new NpgsqlCommand($"""
            select r.id, r.session_id, r.text, r.provider, r.model, r.input_tokens, r.output_tokens, r.total_tokens, r.prompt::text, r.outcome::text,
                   r.created_at, r.selected_alternative, r.seq, u.id, u.text, u.created_at, coalesce(s.turns, 0),
                   exists (select 1 from chat.messages later where later.agent_id = r.agent_id and later.seq > r.seq and later.role = 'user')
              from chat.messages r join chat.messages u on u.id = r.reply_to left join chat.sessions s on s.id = r.session_id
             where r.id = @reply and r.agent_id = @agent and r.owner_id = @owner and r.role = 'agent' and r.kind = 'text'
            {(forUpdate ? "for update of r" : "")}
            """, connection, tx);
        command.Parameters.AddWithValue("reply", reply);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new ReplyRow(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
            r.IsDBNull(5) ? null : r.GetInt32(5), r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetInt32(7),
            r.IsDBNull(8) ? null : r.GetString(8), DurableJson.Deserialize<StoredOutcome>(r.GetString(9))!, r.GetFieldValue<DateTimeOffset>(10),
            r.IsDBNull(11) ? null : r.GetInt32(11), r.GetInt64(12), r.GetGuid(13), r.GetString(14), r.GetFieldValue<DateTimeOffset>(15), r.GetInt32(16), r.GetBoolean(17));
    }

    private static Task<List<ReplyAlternative>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, ReplyRow row, CancellationToken ct) =>
        ListAlternativesOfAsync(connection, tx, row.Id, ct);

    private static async Task<List<ReplyAlternative>> ListAlternativesOfAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid message, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select idx, text, provider, model, created_at, edited_at from chat.reply_alternatives where reply_id = @reply order by idx", connection, tx);
        command.Parameters.AddWithValue("reply", message);
        var list = new List<ReplyAlternative>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new ReplyAlternative(r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
                r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5)));
        return list;
    }

    private static ReplyAlternatives View(ReplyRow row, List<ReplyAlternative> items, (MoodState Mood, AffinityState Affinity)? feelings)
    {
        if (items.Count == 0) items.Add(new ReplyAlternative(0, row.Text, row.Provider, row.Model, row.CreatedAt));
        return new ReplyAlternatives(row.Id.ToString(), row.Selected ?? 0, items, row.Text, row.Provider, row.Model, row.Outcome.MemoriesUsed,
            row.Outcome.LoreUsed ?? [], feelings?.Mood, feelings?.Affinity);
    }

    /// <summary>The first regeneration keeps the reply as it is as alternative 0 (its judgement: the step it applied).</summary>
    private static async Task KeepOriginalAsync(NpgsqlTransaction tx, Guid owner, ReplyRow row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into chat.reply_alternatives (reply_id, idx, owner_id, text, provider, model, input_tokens, output_tokens, total_tokens, prompt,
                                                 memories_used, lore_used, mood_delta, affinity_delta, reason, created_at, edited_at)
            select m.id, 0, @owner, m.text, m.provider, m.model, m.input_tokens, m.output_tokens, m.total_tokens, m.prompt,
                   coalesce(m.outcome -> 'memoriesUsed', '[]'), coalesce(m.outcome -> 'loreUsed', '[]'),
                   coalesce((m.outcome ->> 'moodDelta')::double precision, 0), coalesce((m.outcome ->> 'affinityDelta')::double precision, 0),
                   'the first reply', m.created_at, m.edited_at
              from chat.messages m where m.id = @reply
            on conflict do nothing
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("reply", row.Id);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<int> AddAlternativeAsync(NpgsqlTransaction tx, Guid owner, Guid reply, NewAlternative a, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into chat.reply_alternatives (reply_id, idx, owner_id, text, provider, model, input_tokens, output_tokens, total_tokens, prompt,
                                                 memories_used, lore_used, mood_delta, affinity_delta, reason, created_at)
            select @reply, coalesce(max(idx), 0) + 1, @owner, @text, @provider, @model, @input, @output, @total, @prompt::jsonb,
                   @memories::jsonb, @lore::jsonb, @mood, @affinity, @reason, @at
              from chat.reply_alternatives where reply_id = @reply
            returning idx
            """, tx.Connection, tx);
        var p = command.Parameters;
        p.AddWithValue("reply", reply);
        p.AddWithValue("owner", owner);
        p.AddWithValue("text", a.Text);
        p.AddWithValue("provider", a.Provider);
        p.AddWithValue("model", a.Model);
        p.Add(new NpgsqlParameter("input", NpgsqlDbType.Integer) { Value = a.Usage?.InputTokens is { } i ? (int)Math.Min(i, int.MaxValue) : DBNull.Value });
        p.Add(new NpgsqlParameter("output", NpgsqlDbType.Integer) { Value = a.Usage?.OutputTokens is { } o ? (int)Math.Min(o, int.MaxValue) : DBNull.Value });
        p.Add(new NpgsqlParameter("total", NpgsqlDbType.Integer) { Value = a.Usage?.TotalTokens is { } t ? (int)Math.Min(t, int.MaxValue) : DBNull.Value });
        p.AddWithValue("prompt", DurableJson.Serialize(a.Prompt));
        p.AddWithValue("memories", DurableJson.Serialize(a.Memories));
        p.AddWithValue("lore", DurableJson.Serialize(a.Lore));
        p.AddWithValue("mood", a.Feelings.MoodDelta);
        p.AddWithValue("affinity", a.Feelings.AffinityDelta);
        p.AddWithValue("reason", a.Feelings.MoodReason);
        p.AddWithValue("at", at);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Makes alternative <paramref name="index"/> the reply: its text and what it was written from into the reply row;
    /// the replaced alternative's applied steps taken back and the chosen one's judgement applied (clamped to the ranges),
    /// each change recorded; the turn re-indexed, and its session summary written again when the turn had asked for one.
    /// </summary>
    private async Task<ReplyAlternatives> ChooseAsync(NpgsqlTransaction tx, Guid owner, Guid agent, ReplyRow row, int index, string ownerId, string agentId, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        await using var command = new NpgsqlCommand("""
            with alt as (
                select * from chat.reply_alternatives where reply_id = @reply and idx = @idx
            ), old as (
                select a.id, a.owner_id, a.mood, a.affinity from companions.agents a, alt where a.id = @agent and a.owner_id = @owner for update of a
            ), upd as (
                update companions.agents a
                   set mood = round(least(1, greatest(-1, old.mood - @old_mood + case when @same then @old_mood else alt.mood_delta end))::numeric, 4)::double precision,
                       affinity = round(least(100, greatest(0, old.affinity - @old_affinity + case when @same then @old_affinity else alt.affinity_delta end))::numeric, 2)::double precision,
                       updated_at = @at
                  from old, alt where a.id = old.id
                returning a.id, a.owner_id, a.mood, a.affinity,
                          round((a.mood - old.mood)::numeric, 4)::double precision as mood_step, round((a.affinity - old.affinity)::numeric, 2)::double precision as affinity_step
            ), m as (
                insert into companions.mood_changes (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
                select upd.owner_id, upd.id, @reply, mood_step, mood, 'another reply chosen: ' || alt.reason, 'chat', @at from upd, alt where mood_step <> 0
            ), f as (
                insert into companions.affinity_deltas (owner_id, agent_id, message_id, delta, value_after, reason, source, created_at)
                select upd.owner_id, upd.id, @reply, affinity_step, affinity, 'another reply chosen: ' || alt.reason, 'chat', @at from upd, alt where affinity_step <> 0
            ), msg as (
                update chat.messages r
                   set text = alt.text, provider = alt.provider, model = alt.model, input_tokens = alt.input_tokens, output_tokens = alt.output_tokens,
                       total_tokens = alt.total_tokens, prompt = alt.prompt, selected_alternative = alt.idx, edited_at = alt.edited_at,
                       outcome = r.outcome || jsonb_build_object('memoriesUsed', alt.memories_used, 'loreUsed', alt.lore_used,
                                     'mood', upd.mood, 'moodDelta', round((upd.mood_step + @old_mood)::numeric, 4),
                                     'affinity', upd.affinity, 'affinityDelta', round((upd.affinity_step + @old_affinity)::numeric, 2))
                  from alt, upd where r.id = @reply
                returning r.text
            )
            select upd.mood, upd.mood_step + @old_mood, upd.affinity, upd.affinity_step + @old_affinity, (select text from msg) from upd
            """, tx.Connection, tx);
        var p = command.Parameters;
        p.AddWithValue("reply", row.Id);
        p.AddWithValue("idx", index);
        p.AddWithValue("agent", agent);
        p.AddWithValue("owner", owner);
        p.AddWithValue("old_mood", row.Outcome.MoodDelta);
        p.AddWithValue("old_affinity", row.Outcome.AffinityDelta);
        p.AddWithValue("same", index == (row.Selected ?? 0));
        p.AddWithValue("at", at);
        (MoodState, AffinityState)? feelings = null;
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                feelings = (new MoodState(r.GetDouble(0), Feelings.MoodLabel(r.GetDouble(0)), Math.Round(r.GetDouble(1), 6)),
                    new AffinityState(r.GetDouble(2), Math.Round(r.GetDouble(3), 6), Feelings.AffinityBand(r.GetDouble(2))));
        }

        // Memory follows the chosen reply: the turn is indexed again (same document ids, so the old text is replaced),
        // and a summary the turn asked for is written again.
        var turn = new TurnCommitted(ownerId, agentId, row.Session.ToString(), row.UserId.ToString(), row.Id.ToString(), row.Turns, row.CreatedAt);
        await jobs.EnqueueManyAsync(ExchangeJobs(turn, suggestions: false,
            SummaryDue(row.Turns) && !row.Superseded ? $"{row.Session}:{row.Turns}:alt:{index}:{at.UtcTicks}" : null), tx, ct);

        var chosen = await FindReplyAsync(tx.Connection!, tx, owner, agent, row.Id, ct) ?? row;
        return View(chosen, await ListAsync(tx.Connection!, tx, chosen, ct), feelings);
    }
}
