using System.Text.Json;
using Hearth.Search;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Memory;

/// <summary>A memory as exported: the item with its provenance (origin, agent, session, source message and time) and history.</summary>
public sealed record ExportedMemory(
    string Id, string Kind, string Subject, string Text, string Status, string Origin, string Scope, string? AgentId, string? SessionId, string? SourceMessageId,
    DateTimeOffset SourceAt, IReadOnlyList<MemoryRevision> History, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A written session summary as exported.</summary>
public sealed record ExportedSummary(
    string Id, string AgentId, string SessionId, string UpToMessageId, string? Origin, int MessageCount, IReadOnlyList<string> Topics, IReadOnlyList<string> Decisions,
    IReadOnlyList<string> ActionItems, string Text, DateTimeOffset? FirstMessageAt, DateTimeOffset? LastMessageAt, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt);

/// <summary>What an import did: rows written, and rows skipped because the instance already had them (same id, or a live memory of the same subject).</summary>
public sealed record MemoryImportCounts(int Memories, int MemoriesSkipped, int Summaries, int SummariesSkipped);

/// <summary>
/// Memory the user owns: everything memory holds about them, out (<see cref="ExportAsync"/>) and back in
/// (<see cref="ImportAsync"/>), ids and provenance kept, so that an export imported into a fresh instance exports the
/// same again. Import writes the rows in one transaction (a refused document writes nothing), then indexes the summaries
/// for search as the summariser does.
/// </summary>
public sealed class MemoryPortability(NpgsqlDataSource db, SearchService search, DomainRouter router)
{
    public const int MaxMemories = 20_000;
    public const int MaxSummaries = 5_000;

    public async Task<(IReadOnlyList<ExportedMemory> Memories, IReadOnlyList<ExportedSummary> Summaries)> ExportAsync(string ownerId, CancellationToken ct)
    {
        var memories = new List<ExportedMemory>();
        await using (var command = db.CreateCommand("""
            select id, kind, subject, text, status, origin, scope, agent_id, session_id, source_message_id, source_at, history::text, created_at, updated_at
              from memory.items where owner_id = @owner::uuid order by id
            """))
        {
            command.Parameters.AddWithValue("owner", ownerId);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                memories.Add(new ExportedMemory(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                    r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
                    r.GetFieldValue<DateTimeOffset>(10), JsonSerializer.Deserialize<List<MemoryRevision>>(r.GetString(11), JsonSerializerOptions.Web) ?? [],
                    r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<DateTimeOffset>(13)));
        }
        var summaries = new List<ExportedSummary>();
        await using (var command = db.CreateCommand("""
            select id, agent_id, session_id, up_to_message_id, origin, message_count, topics, decisions, action_items, text, first_message_at, last_message_at,
                   requested_at, completed_at
              from memory.summaries where owner_id = @owner::uuid and status = 'done' order by id
            """))
        {
            command.Parameters.AddWithValue("owner", ownerId);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                summaries.Add(new ExportedSummary(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5),
                    r.GetFieldValue<string[]>(6), r.GetFieldValue<string[]>(7), r.GetFieldValue<string[]>(8), r.IsDBNull(9) ? "" : r.GetString(9),
                    r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
                    r.GetFieldValue<DateTimeOffset>(12), r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13)));
        }
        return (memories, summaries);
    }

    /// <summary>Field errors of a document to import (empty when it can be imported).</summary>
    public static List<(string Field, string Error)> Validate(IReadOnlyList<ExportedMemory?> memories, IReadOnlyList<ExportedSummary?> summaries)
    {
        var errors = new List<(string, string)>();
        if (memories.Count > MaxMemories) errors.Add(("memories", $"must hold at most {MaxMemories} memories"));
        if (summaries.Count > MaxSummaries) errors.Add(("summaries", $"must hold at most {MaxSummaries} summaries"));
        for (var i = 0; i < memories.Count && errors.Count < 20; i++)
        {
            var m = memories[i];
            var at = $"memories[{i}]";
            if (m is null) { errors.Add((at, "must be an object")); continue; }
            if (string.IsNullOrWhiteSpace(m.Id) || m.Id.Length > 100) errors.Add((at + ".id", "must be 1-100 characters"));
            if (!MemoryKinds.IsKnown(m.Kind)) errors.Add((at + ".kind", $"must be one of {string.Join(", ", MemoryKinds.All)}"));
            if (string.IsNullOrWhiteSpace(m.Subject) || m.Subject.Length > 200) errors.Add((at + ".subject", "must be 1-200 characters"));
            if (string.IsNullOrWhiteSpace(m.Text) || m.Text.Length > 2000) errors.Add((at + ".text", "must be 1-2000 characters"));
            if (!MemoryStatus.IsKnown(m.Status)) errors.Add((at + ".status", "must be suggested, accepted or rejected"));
            if (m.Origin is not ("rules" or "model" or "user" or "system")) errors.Add((at + ".origin", "must be rules, model, user or system"));
            if (m.Scope is null || m.Scope.Length > 100) errors.Add((at + ".scope", "must be at most 100 characters"));
        }
        for (var i = 0; i < summaries.Count && errors.Count < 20; i++)
        {
            var s = summaries[i];
            var at = $"summaries[{i}]";
            if (s is null) { errors.Add((at, "must be an object")); continue; }
            if (string.IsNullOrWhiteSpace(s.UpToMessageId) || s.UpToMessageId.Length > 100) errors.Add((at + ".upToMessageId", "must be 1-100 characters"));
            if (s.Id != SummaryStore.IdFor(s.UpToMessageId ?? "")) errors.Add((at + ".id", "must be 'sum_' followed by upToMessageId"));
            if (string.IsNullOrWhiteSpace(s.AgentId) || s.AgentId.Length > 100) errors.Add((at + ".agentId", "must be 1-100 characters"));
            if (string.IsNullOrWhiteSpace(s.SessionId) || s.SessionId.Length > 100) errors.Add((at + ".sessionId", "must be 1-100 characters"));
            if (string.IsNullOrWhiteSpace(s.Text) || s.Text.Length > 20_000) errors.Add((at + ".text", "must be 1-20000 characters"));
            if (s.MessageCount < 0) errors.Add((at + ".messageCount", "must not be negative"));
        }
        return errors;
    }

    /// <summary>Imports a validated document for <paramref name="ownerId"/> (see <see cref="Validate"/>).</summary>
    public async Task<MemoryImportCounts> ImportAsync(string ownerId, IReadOnlyList<ExportedMemory> memories, IReadOnlyList<ExportedSummary> summaries, CancellationToken ct)
    {
        int memoriesWritten = 0;
        var written = new List<ExportedSummary>();
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await MemoryItemStore.LockOwnerAsync(connection, tx, ownerId, ct);
            foreach (var m in memories)
            {
                await using var insert = new NpgsqlCommand("""
                    insert into memory.items (owner_id, id, scope, kind, subject, text, fingerprint, status, origin, agent_id, session_id, source_message_id, source_at,
                                              history, created_at, updated_at)
                    values (@owner::uuid, @id, @scope, @kind, @subject, @text, @fingerprint, @status, @origin, @agent, @session, @message, @at, @history::jsonb, @created, @updated)
                    on conflict do nothing
                    """, connection, tx);
                var p = insert.Parameters;
                p.AddWithValue("owner", ownerId);
                p.AddWithValue("id", m.Id);
                p.AddWithValue("scope", m.Scope);
                p.AddWithValue("kind", m.Kind);
                p.AddWithValue("subject", m.Subject);
                p.AddWithValue("text", m.Text.Trim());
                p.AddWithValue("fingerprint", MemoryText.Fingerprint(m.Text));
                p.AddWithValue("status", m.Status);
                p.AddWithValue("origin", m.Origin);
                p.Add(Text("agent", m.AgentId));
                p.Add(Text("session", m.SessionId));
                p.Add(Text("message", m.SourceMessageId));
                p.AddWithValue("at", m.SourceAt);
                p.AddWithValue("history", JsonSerializer.Serialize(m.History ?? [], JsonSerializerOptions.Web));
                p.AddWithValue("created", m.CreatedAt);
                p.AddWithValue("updated", m.UpdatedAt);
                memoriesWritten += await insert.ExecuteNonQueryAsync(ct);
            }
            foreach (var s in summaries)
            {
                await using var insert = new NpgsqlCommand("""
                    insert into memory.summaries (owner_id, id, agent_id, session_id, up_to_message_id, status, origin, message_count, topics, decisions, action_items,
                                                  text, first_message_at, last_message_at, requested_at, completed_at)
                    values (@owner::uuid, @id, @agent, @session, @up_to, 'done', @origin, @count, @topics, @decisions, @actions, @text, @first, @last, @requested, @completed)
                    on conflict do nothing
                    """, connection, tx);
                var p = insert.Parameters;
                p.AddWithValue("owner", ownerId);
                p.AddWithValue("id", s.Id);
                p.AddWithValue("agent", s.AgentId);
                p.AddWithValue("session", s.SessionId);
                p.AddWithValue("up_to", s.UpToMessageId);
                p.Add(Text("origin", s.Origin));
                p.AddWithValue("count", s.MessageCount);
                p.Add(new NpgsqlParameter("topics", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (s.Topics ?? []).ToArray() });
                p.Add(new NpgsqlParameter("decisions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (s.Decisions ?? []).ToArray() });
                p.Add(new NpgsqlParameter("actions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (s.ActionItems ?? []).ToArray() });
                p.AddWithValue("text", s.Text);
                p.Add(new NpgsqlParameter("first", NpgsqlDbType.TimestampTz) { Value = (object?)s.FirstMessageAt ?? DBNull.Value });
                p.Add(new NpgsqlParameter("last", NpgsqlDbType.TimestampTz) { Value = (object?)s.LastMessageAt ?? DBNull.Value });
                p.AddWithValue("requested", s.RequestedAt);
                p.Add(new NpgsqlParameter("completed", NpgsqlDbType.TimestampTz) { Value = (object?)s.CompletedAt ?? DBNull.Value });
                if (await insert.ExecuteNonQueryAsync(ct) > 0) written.Add(s);
            }
            await tx.CommitAsync(ct);
        }
        // Searchable as the summariser leaves them (same document id, so importing again rewrites, never duplicates).
        if (written.Count > 0)
        {
            var documents = written.Select(s =>
            {
                var text = SessionSummarizer.SearchText(new SessionSummary(s.Id, ownerId, s.AgentId, s.SessionId, s.UpToMessageId, "done", s.Origin, s.MessageCount,
                    s.Topics ?? [], s.Decisions ?? [], s.ActionItems ?? [], s.Text, null, s.FirstMessageAt, s.LastMessageAt, s.RequestedAt, s.CompletedAt));
                return new SearchDocument(s.Id, ownerId, text)
                {
                    Agent = s.AgentId, Session = s.SessionId, Domain = router.Tag(text).Name, Kind = SessionSummarizer.Kind, Source = $"message:{s.UpToMessageId}",
                    CreatedAt = s.LastMessageAt ?? s.RequestedAt,
                };
            }).ToList();
            await search.IndexAsync(router.Fallback.Collection, documents, ct);
        }
        return new MemoryImportCounts(memoriesWritten, memories.Count - memoriesWritten, written.Count, summaries.Count - written.Count);
    }

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };
}
