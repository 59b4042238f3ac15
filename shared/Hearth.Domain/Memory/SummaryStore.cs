using Npgsql;
using NpgsqlTypes;

namespace Hearth.Memory;

/// <summary>A session summary: pending until the function writes it, then done (or failed, with the reason).</summary>
public sealed record SessionSummary(
    string Id,
    string OwnerId,
    string AgentId,
    string SessionId,
    string UpToMessageId,
    string Status,
    string? Origin,
    int MessageCount,
    IReadOnlyList<string> Topics,
    IReadOnlyList<string> Decisions,
    IReadOnlyList<string> ActionItems,
    string? Text,
    string? Error,
    DateTimeOffset? FirstMessageAt,
    DateTimeOffset? LastMessageAt,
    DateTimeOffset RequestedAt,
    DateTimeOffset? CompletedAt);

/// <summary>Session summaries in <c>memory.summaries</c>, one per (session, last message summarised).</summary>
public sealed class SummaryStore(NpgsqlDataSource db, TimeProvider time)
{
    private const string Columns =
        "id, owner_id::text, agent_id, session_id, up_to_message_id, status, origin, message_count, topics, decisions, action_items, text, error, " +
        "first_message_at, last_message_at, requested_at, completed_at";

    public static string IdFor(string upToMessageId) => "sum_" + upToMessageId;

    /// <summary>Records a request (pending) unless one exists; a failed one is asked again. Inside the caller's transaction when given.</summary>
    public async Task<string> RequestAsync(string ownerId, string agentId, string sessionId, string upToMessageId, NpgsqlTransaction? tx, CancellationToken ct)
    {
        var id = IdFor(upToMessageId);
        await using var command = new NpgsqlCommand("""
            insert into memory.summaries (owner_id, id, agent_id, session_id, up_to_message_id, status, requested_at)
            values (@owner::uuid, @id, @agent, @session, @up_to, 'pending', @now)
            on conflict (owner_id, id) do update set status = 'pending', error = null, requested_at = excluded.requested_at
             where memory.summaries.status = 'failed'
            """);
        await using var connection = tx is null ? await db.OpenConnectionAsync(ct) : null;
        command.Connection = tx?.Connection ?? connection;
        command.Transaction = tx;
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("agent", agentId);
        command.Parameters.AddWithValue("session", sessionId);
        command.Parameters.AddWithValue("up_to", upToMessageId);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
        return id;
    }

    /// <summary>Stores a written summary (creating the row when the request came from the chat turn).</summary>
    public async Task<SessionSummary> CompleteAsync(
        string ownerId, string agentId, string sessionId, string upToMessageId, SummaryDraft draft, int messageCount, DateTimeOffset first, DateTimeOffset last, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            insert into memory.summaries as s (owner_id, id, agent_id, session_id, up_to_message_id, status, origin, message_count, topics, decisions, action_items,
                                               text, first_message_at, last_message_at, requested_at, completed_at)
            values (@owner::uuid, @id, @agent, @session, @up_to, 'done', @origin, @count, @topics, @decisions, @actions, @text, @first, @last, @now, @now)
            on conflict (owner_id, id) do update
               set status = 'done', origin = excluded.origin, message_count = excluded.message_count, topics = excluded.topics, decisions = excluded.decisions,
                   action_items = excluded.action_items, text = excluded.text, error = null, first_message_at = excluded.first_message_at,
                   last_message_at = excluded.last_message_at, completed_at = excluded.completed_at
            returning {Columns}
            """);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", IdFor(upToMessageId));
        command.Parameters.AddWithValue("agent", agentId);
        command.Parameters.AddWithValue("session", sessionId);
        command.Parameters.AddWithValue("up_to", upToMessageId);
        command.Parameters.AddWithValue("origin", draft.Origin);
        command.Parameters.AddWithValue("count", messageCount);
        command.Parameters.Add(new NpgsqlParameter("topics", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = draft.Topics.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("decisions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = draft.Decisions.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("actions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = draft.ActionItems.ToArray() });
        command.Parameters.AddWithValue("text", draft.Text);
        command.Parameters.AddWithValue("first", first.ToUniversalTime());
        command.Parameters.AddWithValue("last", last.ToUniversalTime());
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return (await ReadAllAsync(command, ct)).Single();
    }

    /// <summary>Marks a summary failed with the reason (the row is created when needed).</summary>
    public async Task FailAsync(string ownerId, string agentId, string sessionId, string upToMessageId, string error, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            insert into memory.summaries (owner_id, id, agent_id, session_id, up_to_message_id, status, error, requested_at, completed_at)
            values (@owner::uuid, @id, @agent, @session, @up_to, 'failed', @error, @now, @now)
            on conflict (owner_id, id) do update set status = 'failed', error = excluded.error, completed_at = excluded.completed_at
             where memory.summaries.status <> 'done'
            """);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", IdFor(upToMessageId));
        command.Parameters.AddWithValue("agent", agentId);
        command.Parameters.AddWithValue("session", sessionId);
        command.Parameters.AddWithValue("up_to", upToMessageId);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<SessionSummary?> GetAsync(string ownerId, string id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {Columns} from memory.summaries where owner_id = @owner::uuid and id = @id");
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command, ct)).FirstOrDefault();
    }

    /// <summary>A session's summaries, newest request first.</summary>
    public async Task<IReadOnlyList<SessionSummary>> ListAsync(string ownerId, string sessionId, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {Columns} from memory.summaries where owner_id = @owner::uuid and session_id = @session order by requested_at desc, id desc limit @limit
            """);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("session", sessionId);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, ct);
    }

    /// <summary>The agent's written summaries, the most recent conversation first.</summary>
    public async Task<IReadOnlyList<SessionSummary>> RecentAsync(string ownerId, string agentId, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {Columns} from memory.summaries where owner_id = @owner::uuid and agent_id = @agent and status = 'done'
             order by last_message_at desc, id desc limit @limit
            """);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("agent", agentId);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, ct);
    }

    private static async Task<List<SessionSummary>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var summaries = new List<SessionSummary>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            summaries.Add(new SessionSummary(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7),
                reader.GetFieldValue<string[]>(8), reader.GetFieldValue<string[]>(9), reader.GetFieldValue<string[]>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13), reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
                reader.GetFieldValue<DateTimeOffset>(15), reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16)));
        }
        return summaries;
    }
}
