using System.Text.Json;
using Hearth.Chat;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Memory;

/// <summary>Filters of a listing of the owner's items, newest first.</summary>
public sealed record MemoryItemQuery(string OwnerId, string? Status = null, string? Kind = null, string? AgentId = null, string? Cursor = null, int Limit = 50);

/// <summary>The result of a change the user asked for.</summary>
public enum MemoryChange
{
    Done,
    NotFound,
    Conflict,
    /// <summary>A core memory edit whose line to replace is no longer in the block.</summary>
    CoreLineGone,
    /// <summary>A core memory edit that would make the block longer than its limit.</summary>
    CoreTooLong,
    /// <summary>A core memory edit cannot become another kind, nor another item a core edit.</summary>
    KindFixed,
}

/// <summary>
/// Structured memory in <c>memory.items</c>. Candidates from conversations are applied under a per-owner lock:
/// a subject has at most one live (suggested or accepted) item; the same value again changes nothing, a new value
/// updates the item (the old value goes to its history), a value the user rejected is never suggested again, and a
/// message older than the item's evidence never overwrites it. Proposed edits of a companion's core memory block (kind
/// <c>core</c>) are items like the others, scoped to their companion; accepting one applies it to the block in the same
/// transaction (<see cref="ICoreMemoryBlocks"/>), and nothing else changes the block.
/// </summary>
public sealed class MemoryItemStore(NpgsqlDataSource db, TimeProvider time, ICoreMemoryBlocks? coreMemory = null) : IAgentSelfDescriptions
{
    private const string Columns =
        "id, owner_id::text, kind, subject, text, status, origin, agent_id, session_id, source_message_id, source_at, history, created_at, updated_at";

    /// <summary>Applies what an extractor found in one message.</summary>
    public async Task<IReadOnlyList<CandidateResult>> ApplyAsync(CandidateSource source, IReadOnlyList<MemoryCandidate> candidates, CancellationToken ct)
    {
        var results = new List<CandidateResult>(candidates.Count);
        if (candidates.Count == 0) return results;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockOwnerAsync(connection, tx, source.OwnerId, ct);
        foreach (var candidate in candidates.DistinctBy(c => (c.Kind, c.Subject)))
            results.Add(await ApplyOneAsync(connection, tx, source, candidate, ct));
        await tx.CommitAsync(ct);
        return results;
    }

    private async Task<CandidateResult> ApplyOneAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CandidateSource source, MemoryCandidate candidate, CancellationToken ct)
    {
        var scope = ScopeOf(candidate.Kind, source.AgentId);
        var fingerprint = MemoryText.Fingerprint(candidate.Text);
        await using (var rejected = new NpgsqlCommand("""
            select id from memory.items
             where owner_id = @owner::uuid and scope = @scope and kind = @kind and subject = @subject and fingerprint = @fingerprint and status = 'rejected'
            """, connection, tx))
        {
            AddKey(rejected, source.OwnerId, scope, candidate);
            rejected.Parameters.AddWithValue("fingerprint", fingerprint);
            if (await rejected.ExecuteScalarAsync(ct) is string id) return new CandidateResult(candidate, CandidateOutcome.PreviouslyRejected, id);
        }

        string? liveId = null, liveFingerprint = null, liveMessage = null;
        DateTimeOffset liveAt = default;
        await using (var live = new NpgsqlCommand("""
            select id, fingerprint, source_at, source_message_id from memory.items
             where owner_id = @owner::uuid and scope = @scope and kind = @kind and subject = @subject and status <> 'rejected'
            """, connection, tx))
        {
            AddKey(live, source.OwnerId, scope, candidate);
            await using var reader = await live.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                liveId = reader.GetString(0);
                liveFingerprint = reader.GetString(1);
                liveAt = reader.GetFieldValue<DateTimeOffset>(2);
                liveMessage = reader.IsDBNull(3) ? null : reader.GetString(3);
            }
        }

        if (liveId is null)
        {
            var id = NewId();
            await using var insert = new NpgsqlCommand("""
                insert into memory.items (owner_id, id, scope, kind, subject, text, fingerprint, status, origin, agent_id, session_id, source_message_id, source_at, history, created_at, updated_at)
                values (@owner::uuid, @id, @scope, @kind, @subject, @text, @fingerprint, 'suggested', @origin, @agent, @session, @message, @at, @history::jsonb, @now, @now)
                """, connection, tx);
            AddKey(insert, source.OwnerId, scope, candidate);
            insert.Parameters.AddWithValue("id", id);
            // A core edit that replaces a line keeps that line as its first (earlier) value: what the review shows and accepting replaces.
            insert.Parameters.AddWithValue("history", candidate.Replaces is { } replaced
                ? JsonSerializer.Serialize(new[] { new MemoryRevision(replaced, null, source.At.ToUniversalTime()) }, HistoryJson)
                : "[]");
            AddValues(insert, source, candidate.Text, fingerprint);
            await insert.ExecuteNonQueryAsync(ct);
            return new CandidateResult(candidate, CandidateOutcome.Added, id);
        }
        if (liveFingerprint == fingerprint) return new CandidateResult(candidate, CandidateOutcome.Unchanged, liveId);
        // An older statement does not replace a newer one; the same message read again (the user edited it) does.
        if (source.At < liveAt || (source.At == liveAt && (source.MessageId is null || source.MessageId != liveMessage)))
            return new CandidateResult(candidate, CandidateOutcome.Stale, liveId);

        await using var update = new NpgsqlCommand("""
            update memory.items
               set history = history || jsonb_build_array(jsonb_build_object('text', text, 'sourceMessageId', source_message_id, 'at', source_at)),
                   text = @text, fingerprint = @fingerprint, origin = @origin, agent_id = coalesce(@agent, agent_id), session_id = coalesce(@session, session_id),
                   source_message_id = @message, source_at = @at, updated_at = @now
             where owner_id = @owner::uuid and id = @id
            """, connection, tx);
        update.Parameters.AddWithValue("owner", source.OwnerId);
        update.Parameters.AddWithValue("id", liveId);
        AddValues(update, source, candidate.Text, fingerprint);
        await update.ExecuteNonQueryAsync(ct);
        return new CandidateResult(candidate, CandidateOutcome.Updated, liveId);
    }

    /// <summary>A page of the owner's items, newest first.</summary>
    public async Task<(IReadOnlyList<MemoryItem> Items, string? NextCursor)> ListAsync(MemoryItemQuery query, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {Columns} from memory.items
             where owner_id = @owner::uuid
               and (@status::text is null or status = @status)
               and (@kind::text is null or kind = @kind)
               and (@agent::text is null or agent_id = @agent)
               and (@cursor::text is null or id < @cursor)
             order by id desc
             limit @limit
            """);
        command.Parameters.AddWithValue("owner", query.OwnerId);
        command.Parameters.Add(Text("status", query.Status));
        command.Parameters.Add(Text("kind", query.Kind));
        command.Parameters.Add(Text("agent", query.AgentId));
        command.Parameters.Add(Text("cursor", query.Cursor));
        command.Parameters.AddWithValue("limit", query.Limit + 1);
        var items = await ReadAllAsync(command, ct);
        if (items.Count <= query.Limit) return (items, null);
        items.RemoveAt(items.Count - 1);
        return (items, items[^1].Id);
    }

    public async Task<MemoryItem?> FindAsync(string ownerId, string id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {Columns} from memory.items where owner_id = @owner::uuid and id = @id");
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command, ct)).FirstOrDefault();
    }

    /// <summary>Accepts or rejects an item. Accepting a rejected item whose subject has another live item is a conflict.</summary>
    public async Task<(MemoryChange Change, MemoryItem? Item)> SetStatusAsync(string ownerId, string id, string status, CancellationToken ct)
    {
        if (status is not (MemoryStatus.Accepted or MemoryStatus.Rejected)) throw new ArgumentException("Status is accepted or rejected.", nameof(status));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockOwnerAsync(connection, tx, ownerId, ct);
        var item = await FindAsync(connection, tx, ownerId, id, ct);
        if (item is null) return (MemoryChange.NotFound, null);
        if (item.Status == status) return (MemoryChange.Done, item);
        if (item.Kind == MemoryKinds.Core && status == MemoryStatus.Accepted)
        {
            // Accepting a proposed core edit applies it, in this transaction: the block changes iff the item is accepted.
            if (coreMemory is null || item.AgentId is null) return (MemoryChange.Conflict, item);
            var applied = await coreMemory.ApplyAsync(tx, ownerId, item.AgentId, MemoryCandidate.ReplacedLine(item), item.Text, ct);
            switch (applied)
            {
                case CoreMemoryEditOutcome.LineGone: return (MemoryChange.CoreLineGone, item);
                case CoreMemoryEditOutcome.TooLong: return (MemoryChange.CoreTooLong, item);
                case CoreMemoryEditOutcome.NoAgent: return (MemoryChange.NotFound, null);
            }
            // Applied: the item is the record of it, under a subject of its own, so a later proposal of the same line is new.
            await using var applyUpdate = new NpgsqlCommand($"""
                update memory.items set status = 'accepted', subject = @applied || id, updated_at = @now
                 where owner_id = @owner::uuid and id = @id
                returning {Columns}
                """, connection, tx);
            applyUpdate.Parameters.AddWithValue("owner", ownerId);
            applyUpdate.Parameters.AddWithValue("id", id);
            applyUpdate.Parameters.AddWithValue("now", Now());
            applyUpdate.Parameters.AddWithValue("applied", MemoryCandidate.ReplacedLine(item) is null ? "core:applied:append:" : "core:applied:replace:");
            var accepted = (await ReadAllAsync(applyUpdate, ct)).Single();
            await tx.CommitAsync(ct);
            return (MemoryChange.Done, accepted);
        }
        if (status == MemoryStatus.Rejected)
        {
            // The same value rejected before (an edited item can end up there): one rejection record is enough.
            await using var duplicate = new NpgsqlCommand("""
                delete from memory.items d using memory.items i
                 where i.owner_id = @owner::uuid and i.id = @id and d.owner_id = i.owner_id and d.scope = i.scope and d.kind = i.kind
                   and d.subject = i.subject and d.fingerprint = i.fingerprint and d.status = 'rejected' and d.id <> i.id
                """, connection, tx);
            duplicate.Parameters.AddWithValue("owner", ownerId);
            duplicate.Parameters.AddWithValue("id", id);
            await duplicate.ExecuteNonQueryAsync(ct);
        }
        await using var update = new NpgsqlCommand($"""
            update memory.items set status = @status, updated_at = @now
             where owner_id = @owner::uuid and id = @id
               and (@status = 'rejected' or not exists (
                   select 1 from memory.items o where o.owner_id = memory.items.owner_id and o.scope = memory.items.scope and o.kind = memory.items.kind
                      and o.subject = memory.items.subject and o.status <> 'rejected' and o.id <> memory.items.id))
            returning {Columns}
            """, connection, tx);
        update.Parameters.AddWithValue("owner", ownerId);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("status", status);
        update.Parameters.AddWithValue("now", Now());
        var updated = (await ReadAllAsync(update, ct)).FirstOrDefault();
        if (updated is null) return (MemoryChange.Conflict, item);
        await tx.CommitAsync(ct);
        return (MemoryChange.Done, updated);
    }

    /// <summary>The user corrects an item: new text and/or kind. The old text goes to the history; the item is now the user's word.</summary>
    public async Task<(MemoryChange Change, MemoryItem? Item)> EditAsync(string ownerId, string id, string? text, string? kind, CancellationToken ct)
    {
        if (text is not null) ValidateText(text);
        if (kind is not null && !MemoryKinds.IsKnown(kind)) throw new ArgumentException($"Kind must be one of {string.Join(", ", MemoryKinds.All)}.", nameof(kind));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockOwnerAsync(connection, tx, ownerId, ct);
        var item = await FindAsync(connection, tx, ownerId, id, ct);
        if (item is null) return (MemoryChange.NotFound, null);
        if (kind is not null && (kind == MemoryKinds.Core) != (item.Kind == MemoryKinds.Core)) return (MemoryChange.KindFixed, item);
        var newText = text?.Trim() ?? item.Text;
        await using var update = new NpgsqlCommand($"""
            update memory.items
               set history = case when text = @text then history
                             else history || jsonb_build_array(jsonb_build_object('text', text, 'sourceMessageId', source_message_id, 'at', source_at)) end,
                   text = @text, fingerprint = @fingerprint, kind = @kind, origin = 'user', source_at = @now, updated_at = @now
             where owner_id = @owner::uuid and id = @id
            returning {Columns}
            """, connection, tx);
        update.Parameters.AddWithValue("owner", ownerId);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("text", newText);
        update.Parameters.AddWithValue("fingerprint", MemoryText.Fingerprint(newText));
        update.Parameters.AddWithValue("kind", kind ?? item.Kind);
        update.Parameters.AddWithValue("now", Now());
        try
        {
            var updated = (await ReadAllAsync(update, ct)).FirstOrDefault();
            await tx.CommitAsync(ct);
            return (MemoryChange.Done, updated);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return (MemoryChange.Conflict, item);
        }
    }

    public async Task<bool> DeleteAsync(string ownerId, string id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("delete from memory.items where owner_id = @owner::uuid and id = @id");
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>
    /// The user tells memory something directly: an accepted item. With <paramref name="subject"/> it replaces the live
    /// item of that subject (as a changed fact does); without, it is a note of its own.
    /// </summary>
    public async Task<MemoryItem> CreateAsync(string ownerId, string kind, string text, string? agentId, string? subject, CancellationToken ct) =>
        await CreateAsync(ownerId, kind, text, agentId, subject, "user", ct);

    /// <inheritdoc />
    public async Task SetAsync(string ownerId, string agentId, string text, CancellationToken ct) =>
        await CreateAsync(ownerId, MemoryKinds.Self, text, agentId, "self", "system", ct);

    private async Task<MemoryItem> CreateAsync(string ownerId, string kind, string text, string? agentId, string? subject, string origin, CancellationToken ct)
    {
        ValidateText(text);
        if (!MemoryKinds.Writable.Contains(kind)) throw new ArgumentException($"Kind must be one of {string.Join(", ", MemoryKinds.Writable)}.", nameof(kind));
        if (kind == MemoryKinds.Self && agentId is null) throw new ArgumentException("A self-description names its agent.", nameof(agentId));
        var scope = ScopeOf(kind, agentId);
        subject = kind == MemoryKinds.Self ? "self" : subject?.Trim().ToLowerInvariant() is { Length: > 0 } s ? s : "note:" + MemoryText.Key(text, 6);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockOwnerAsync(connection, tx, ownerId, ct);
        await using var upsert = new NpgsqlCommand($"""
            insert into memory.items as i (owner_id, id, scope, kind, subject, text, fingerprint, status, origin, agent_id, source_at, created_at, updated_at)
            values (@owner::uuid, @id, @scope, @kind, @subject, @text, @fingerprint, 'accepted', @origin, @agent, @now, @now, @now)
            on conflict (owner_id, scope, kind, subject) where status <> 'rejected' do update
               set history = case when i.text = excluded.text then i.history
                             else i.history || jsonb_build_array(jsonb_build_object('text', i.text, 'sourceMessageId', i.source_message_id, 'at', i.source_at)) end,
                   text = excluded.text, fingerprint = excluded.fingerprint, status = 'accepted', origin = excluded.origin,
                   source_message_id = null, source_at = excluded.source_at, updated_at = excluded.updated_at
            returning {Columns}
            """, connection, tx);
        upsert.Parameters.AddWithValue("owner", ownerId);
        upsert.Parameters.AddWithValue("id", NewId());
        upsert.Parameters.AddWithValue("scope", scope);
        upsert.Parameters.AddWithValue("kind", kind);
        upsert.Parameters.AddWithValue("subject", subject);
        upsert.Parameters.AddWithValue("text", text.Trim());
        upsert.Parameters.AddWithValue("fingerprint", MemoryText.Fingerprint(text));
        upsert.Parameters.Add(Text("agent", agentId));
        upsert.Parameters.AddWithValue("origin", origin);
        upsert.Parameters.AddWithValue("now", Now());
        var item = (await ReadAllAsync(upsert, ct)).Single();
        await tx.CommitAsync(ct);
        return item;
    }

    /// <summary>Accepted items for recall: those about the user, and those about <paramref name="agentId"/>, newest first.</summary>
    public async Task<IReadOnlyList<MemoryItem>> AcceptedAsync(string ownerId, string? agentId, IReadOnlyList<string> kinds, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {Columns} from memory.items
             where owner_id = @owner::uuid and status = 'accepted' and kind = any(@kinds) and (scope = '' or scope = @agent)
             order by updated_at desc, id desc
             limit @limit
            """);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("agent", agentId ?? "");
        command.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = kinds.ToArray() });
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, ct);
    }

    // A self-description and a core edit belong to their companion; what is learnt about the user is the user's, everywhere.
    private static string ScopeOf(string kind, string? agentId) => kind is MemoryKinds.Self or MemoryKinds.Core ? agentId ?? "" : "";

    private static void ValidateText(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Length > 2000) throw new ArgumentException("A memory is 1-2000 characters.", nameof(text));
    }

    internal static async Task LockOwnerAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ownerId, CancellationToken ct)
    {
        // One writer per owner: concurrent extractions of two turns must not both add the same subject.
        await using var command = new NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended('memory.items:' || @owner, 0))", connection, tx);
        command.Parameters.AddWithValue("owner", ownerId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<MemoryItem?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string ownerId, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select {Columns} from memory.items where owner_id = @owner::uuid and id = @id for update", connection, tx);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command, ct)).FirstOrDefault();
    }

    private void AddValues(NpgsqlCommand command, CandidateSource source, string text, string fingerprint)
    {
        command.Parameters.AddWithValue("text", MemoryText.Clip(text, 2000));
        command.Parameters.AddWithValue("fingerprint", fingerprint);
        command.Parameters.AddWithValue("origin", source.Origin);
        command.Parameters.Add(Text("agent", source.AgentId));
        command.Parameters.Add(Text("session", source.SessionId));
        command.Parameters.Add(Text("message", source.MessageId));
        command.Parameters.AddWithValue("at", source.At.ToUniversalTime());
        command.Parameters.AddWithValue("now", Now());
    }

    private static void AddKey(NpgsqlCommand command, string ownerId, string scope, MemoryCandidate candidate)
    {
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("scope", scope);
        command.Parameters.AddWithValue("kind", candidate.Kind);
        command.Parameters.AddWithValue("subject", candidate.Subject);
    }

    private DateTimeOffset Now() => time.GetUtcNow();

    internal static string NewId() => "mem_" + Guid.CreateVersion7().ToString("N");

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static async Task<List<MemoryItem>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var items = new List<MemoryItem>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var history = JsonSerializer.Deserialize<List<MemoryRevision>>(reader.GetString(11), HistoryJson) ?? [];
            items.Add(new MemoryItem(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetFieldValue<DateTimeOffset>(10), history, reader.GetFieldValue<DateTimeOffset>(12), reader.GetFieldValue<DateTimeOffset>(13)));
        }
        return items;
    }

    private static readonly JsonSerializerOptions HistoryJson = new(JsonSerializerDefaults.Web);
}
