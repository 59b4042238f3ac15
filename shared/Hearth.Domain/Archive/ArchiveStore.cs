using Hearth.Chat;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Archive;

/// <summary>One skill file version as the archive keeps it.</summary>
public sealed record ArchivedSkillVersion(string Owner, string FileId, string Path, int Version, string Sha256, string Type, byte[] Content, DateTimeOffset CreatedAt);

/// <summary>The newest archived version of a path.</summary>
public sealed record ArchivedFileHead(string Owner, string Path, string FileId, int Version, string Sha256);

/// <summary>An archived row disagrees with what is being appended under the same key (the archive never changes a row).</summary>
public sealed class ArchiveConflictException(string message) : Exception(message);

/// <summary>
/// Reads and appends to the archive database. Appends are idempotent: a row already archived under the same key is
/// left as it is, and an existing row with different content is a conflict (<see cref="ArchiveConflictException"/>),
/// never an overwrite.
/// </summary>
public sealed class ArchiveStore(ArchiveDatabase archive)
{
    public bool IsEnabled => archive.IsEnabled;

    /// <summary>Appends file versions; returns how many were new.</summary>
    public async Task<int> AppendSkillVersionsAsync(IReadOnlyList<ArchivedSkillVersion> versions, CancellationToken ct)
    {
        if (versions.Count == 0) return 0;
        var db = await archive.OpenAsync(ct);
        await using var command = db.CreateCommand("""
            with input as (
                select * from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bytea[], $8::timestamptz[])
                       as v(owner, file_id, path, version, sha256, type, content, created_at)
            ),
            added as (
                insert into archive.skill_versions (owner_id, file_id, path, version, sha256, length, type, content, created_at)
                select owner, file_id, path, version, sha256, octet_length(content), type, content, created_at from input
                on conflict (file_id, version) do nothing
                returning file_id
            )
            select (select count(*)::int from added),
                   (select string_agg(i.path || ' v' || i.version, ', ') from input i
                      join archive.skill_versions a on a.file_id = i.file_id and a.version = i.version
                     where a.sha256 <> i.sha256)
            """);
        command.Parameters.Add(new() { Value = versions.Select(v => v.Owner).ToArray() });
        command.Parameters.Add(new() { Value = versions.Select(v => v.FileId).ToArray() });
        command.Parameters.Add(new() { Value = versions.Select(v => v.Path).ToArray() });
        command.Parameters.Add(new() { Value = versions.Select(v => v.Version).ToArray() });
        command.Parameters.Add(new() { Value = versions.Select(v => v.Sha256).ToArray() });
        command.Parameters.Add(new() { Value = versions.Select(v => v.Type).ToArray() });
        command.Parameters.Add(new() { Value = versions.Select(v => v.Content).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = versions.Select(v => v.CreatedAt).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var added = reader.GetInt32(0);
        if (!reader.IsDBNull(1))
            throw new ArchiveConflictException($"The archive already holds different bytes for {reader.GetString(1)}; it keeps what it has (append-only).");
        return added;
    }

    /// <summary>The newest archived version of every path (of one owner, or of all when <paramref name="owner"/> is null).</summary>
    public async Task<IReadOnlyList<ArchivedFileHead>> LatestSkillVersionsAsync(string? owner, CancellationToken ct)
    {
        var db = await archive.OpenAsync(ct);
        await using var command = db.CreateCommand("""
            select distinct on (owner_id, path) owner_id::text, path, file_id, version, sha256
            from archive.skill_versions
            where $1::uuid is null or owner_id = $1::uuid
            order by owner_id, path, version desc
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)owner ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var heads = new List<ArchivedFileHead>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            heads.Add(new ArchivedFileHead(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4)));
        return heads;
    }

    /// <summary>
    /// Appends chat messages by id; a copy already archived is corrected when the message's text or edit time changed
    /// since (an edit, another alternative chosen). Returns how many rows were added or corrected.
    /// </summary>
    public async Task<int> AppendMessagesAsync(IReadOnlyList<ConversationMessage> messages, CancellationToken ct)
    {
        if (messages.Count == 0) return 0;
        var db = await archive.OpenAsync(ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var allow = new NpgsqlCommand("set local archive.correction = 'on'", connection, tx)) await allow.ExecuteNonQueryAsync(ct);
        await using var command = new NpgsqlCommand("""
            insert into archive.chat_messages as a (id, owner_id, agent_id, session_id, role, text, created_at, edited_at)
            select * from unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[])
            on conflict (id) do update set text = excluded.text, edited_at = excluded.edited_at
             where a.owner_id = excluded.owner_id and (a.text, a.edited_at) is distinct from (excluded.text, excluded.edited_at)
            """, connection, tx);
        command.Parameters.Add(new() { Value = messages.Select(m => m.Id).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.OwnerId).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.AgentId).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.SessionId).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.Role).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.Text).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.CreatedAt).ToArray() });
        command.Parameters.Add(new() { Value = messages.Select(m => m.EditedAt is { } e ? e.UtcDateTime : (DateTime?)null).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var changed = await command.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return changed;
    }

    /// <summary>
    /// Erases archived rows (the one exception to append-only): the chat messages of a companion, or when
    /// <paramref name="agentId"/> is null everything of the owner (messages and skill file versions). Returns the rows removed.
    /// </summary>
    public async Task<int> EraseAsync(string owner, string? agentId, CancellationToken ct)
    {
        var db = await archive.OpenAsync(ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var allow = new NpgsqlCommand("set local archive.erasure = 'on'", connection, tx)) await allow.ExecuteNonQueryAsync(ct);
        await using var delete = new NpgsqlCommand(agentId is null
            ? """
              with messages as (delete from archive.chat_messages where owner_id = $1::uuid returning 1),
                   versions as (delete from archive.skill_versions where owner_id = $1::uuid returning 1)
              select (select count(*) from messages) + (select count(*) from versions)
              """
            : "with messages as (delete from archive.chat_messages where owner_id = $1::uuid and agent_id = $2 returning 1) select count(*) from messages",
            connection, tx);
        delete.Parameters.Add(new() { Value = owner });
        if (agentId is not null) delete.Parameters.Add(new() { Value = agentId });
        var removed = Convert.ToInt32(await delete.ExecuteScalarAsync(ct));
        await tx.CommitAsync(ct);
        return removed;
    }

    /// <summary>Erases archived messages by id (a mirror copy that lost the race with its companion's erasure).</summary>
    public async Task<int> EraseMessagesAsync(string owner, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var db = await archive.OpenAsync(ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var allow = new NpgsqlCommand("set local archive.erasure = 'on'", connection, tx)) await allow.ExecuteNonQueryAsync(ct);
        await using var delete = new NpgsqlCommand("delete from archive.chat_messages where owner_id = $1::uuid and id = any($2)", connection, tx);
        delete.Parameters.Add(new() { Value = owner });
        delete.Parameters.Add(new() { Value = ids.ToArray() });
        var removed = await delete.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    /// <summary>Archived messages of a session, oldest first (for checks and exports).</summary>
    public async Task<IReadOnlyList<ConversationMessage>> SessionMessagesAsync(string owner, string sessionId, CancellationToken ct)
    {
        var db = await archive.OpenAsync(ct);
        await using var command = db.CreateCommand("""
            select id, owner_id::text, agent_id, session_id, role, text, created_at, edited_at from archive.chat_messages
            where owner_id = $1::uuid and session_id = $2 order by created_at, id
            """);
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = sessionId });
        var messages = new List<ConversationMessage>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            messages.Add(new ConversationMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
        return messages;
    }
}
