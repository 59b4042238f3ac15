using System.Text.Json;
using Hearth.Durable;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Chat.Lore;

/// <summary>
/// Lorebooks and their entries (schema <c>chat</c>), always scoped to an owner: an agent's book only through the
/// owner's agent, the user's book by the owner alone. Books are created on their first write.
/// </summary>
public sealed class LoreStore(NpgsqlDataSource db, TimeProvider time)
{
    internal const string BookColumns = "b.id, b.agent_id, b.name, b.description, b.scan_depth, b.token_budget, b.recursive_scanning, b.extensions::text, b.created_at, b.updated_at";
    internal const string EntryColumns = """
        e.book_id, e.id, e.keys, e.secondary_keys, e.selective, e.constant, e.content, e.enabled, e.insertion_order, e.priority,
        e.case_sensitive, e.position, e.name, e.comment, e.extensions::text, e.use_regex
        """;

    /// <summary>The book, or an empty one (id "") when nothing was written yet; null when the agent is not the owner's.</summary>
    public async Task<Lorebook?> GetAsync(string ownerId, string? agentId, CancellationToken ct)
    {
        if (!TryScope(ownerId, agentId, out var owner, out var agent)) return null;
        await using var connection = await db.OpenConnectionAsync(ct);
        if (agent is { } a && !await AgentIsOwnedAsync(connection, null, owner, a, ct)) return null;
        return await ReadBookAsync(connection, null, owner, agent, ct) ?? Empty(agentId);
    }

    /// <summary>Changes the book's settings (creating it); null when the agent is not the owner's.</summary>
    public async Task<Lorebook?> PutSettingsAsync(string ownerId, string? agentId, LorebookSettings settings, CancellationToken ct)
    {
        if (!TryScope(ownerId, agentId, out var owner, out var agent)) return null;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await EnsureBookAsync(tx, owner, agent, ct) is not { } bookId) return null;
        await using (var update = new NpgsqlCommand("""
            update chat.lorebooks set name = @name, description = @description, scan_depth = @depth, token_budget = @budget,
                   recursive_scanning = @recursive, extensions = @extensions::jsonb, updated_at = @now
             where id = @id
            """, connection, tx))
        {
            update.Parameters.AddWithValue("id", bookId);
            AddSettings(update.Parameters, settings);
            update.Parameters.AddWithValue("now", time.GetUtcNow());
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return await ReadBookAsync(connection, null, owner, agent, ct);
    }

    /// <summary>Adds an entry (creating the book); null when the agent is not the owner's; <see cref="LorebookFullException"/> past <see cref="LoreRules.MaxEntries"/>.</summary>
    public async Task<LoreEntry?> AddEntryAsync(string ownerId, string? agentId, LoreEntryDraft draft, CancellationToken ct)
    {
        if (!TryScope(ownerId, agentId, out var owner, out var agent)) return null;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await EnsureBookAsync(tx, owner, agent, ct) is not { } bookId) return null;
        await using (var count = new NpgsqlCommand("select count(*) from chat.lore_entries where book_id = @book", connection, tx))
        {
            count.Parameters.AddWithValue("book", bookId);
            if ((long)(await count.ExecuteScalarAsync(ct))! >= LoreRules.MaxEntries) throw new LorebookFullException();
        }
        var id = Guid.CreateVersion7();
        await InsertEntriesAsync(tx, owner, bookId, [(id, draft)], ct);
        await tx.CommitAsync(ct);
        return await FindEntryAsync(connection, owner, agent, id, ct);
    }

    /// <summary>Replaces an entry; null when it is not in the owner's (agent's) book.</summary>
    public async Task<LoreEntry?> ReplaceEntryAsync(string ownerId, string? agentId, string entryId, LoreEntryDraft draft, CancellationToken ct)
    {
        if (!TryScope(ownerId, agentId, out var owner, out var agent) || !Guid.TryParse(entryId, out var id)) return null;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            update chat.lore_entries e set keys = @keys, secondary_keys = @secondary, selective = @selective, constant = @constant, content = @content,
                   enabled = @enabled, insertion_order = @order, priority = @priority, case_sensitive = @case, position = @position,
                   name = @name, comment = @comment, extensions = @extensions::jsonb, use_regex = @regex, updated_at = @now
              from chat.lorebooks b
             where e.id = @id and e.book_id = b.id and {BookScope}
            """, connection);
        command.Parameters.AddWithValue("id", id);
        AddScope(command.Parameters, owner, agent);
        AddEntry(command.Parameters, draft);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        if (await command.ExecuteNonQueryAsync(ct) == 0) return null;
        return await FindEntryAsync(connection, owner, agent, id, ct);
    }

    /// <summary>Deletes an entry; false when it is not in the owner's (agent's) book.</summary>
    public async Task<bool> DeleteEntryAsync(string ownerId, string? agentId, string entryId, CancellationToken ct)
    {
        if (!TryScope(ownerId, agentId, out var owner, out var agent) || !Guid.TryParse(entryId, out var id)) return false;
        await using var command = db.CreateCommand($"delete from chat.lore_entries e using chat.lorebooks b where e.id = @id and e.book_id = b.id and {BookScope}");
        command.Parameters.AddWithValue("id", id);
        AddScope(command.Parameters, owner, agent);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Writes a whole book for an agent inside the caller's transaction (an imported card's character book).</summary>
    internal async Task WriteBookAsync(NpgsqlTransaction tx, Guid owner, Guid agent, LorebookSettings settings, IReadOnlyList<LoreEntryDraft> entries, CancellationToken ct)
    {
        var bookId = await EnsureBookAsync(tx, owner, agent, ct) ?? throw new InvalidOperationException("The agent is not the owner's.");
        await using (var update = new NpgsqlCommand("""
            update chat.lorebooks set name = @name, description = @description, scan_depth = @depth, token_budget = @budget,
                   recursive_scanning = @recursive, extensions = @extensions::jsonb where id = @id;
            delete from chat.lore_entries where book_id = @id;
            """, tx.Connection, tx))
        {
            update.Parameters.AddWithValue("id", bookId);
            AddSettings(update.Parameters, settings);
            await update.ExecuteNonQueryAsync(ct);
        }
        await InsertEntriesAsync(tx, owner, bookId, entries.Select(e => (Guid.CreateVersion7(), e)).ToList(), ct);
    }

    /// <summary>Reads books and entries from a reader positioned at the books result, then the entries result (the turn's batch).</summary>
    internal static async Task<List<Lorebook>> ReadBooksAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var books = new List<(Lorebook Book, List<LoreEntry> Entries)>();
        while (await reader.ReadAsync(ct)) books.Add((ReadBook(reader, []), []));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var bookId = reader.GetGuid(0).ToString();
            books.FirstOrDefault(b => b.Book.Id == bookId).Entries?.Add(ReadEntry(reader, 1));
        }
        return books.Select(b => b.Book with { Entries = b.Entries }).ToList();
    }

    /// <summary>The books of an agent and its owner (the turn reads them in its batch).</summary>
    internal const string TurnBooksSql = $"select {BookColumns} from chat.lorebooks b where b.owner_id = @owner and (b.agent_id = @agent or b.agent_id is null)";

    internal const string TurnEntriesSql = $"""
        select {EntryColumns} from chat.lore_entries e join chat.lorebooks b on b.id = e.book_id
         where b.owner_id = @owner and (b.agent_id = @agent or b.agent_id is null) and e.enabled
         order by e.insertion_order, e.id
        """;

    private const string BookScope = "b.owner_id = @owner and ((@agent::uuid is null and b.agent_id is null) or b.agent_id = @agent)";

    private static Lorebook Empty(string? agentId) => new("", agentId, "", "", LoreRules.DefaultScanDepth, LoreRules.DefaultTokenBudget, false,
        new Dictionary<string, JsonElement>(), [], default, default);

    private static bool TryScope(string ownerId, string? agentId, out Guid owner, out Guid? agent)
    {
        agent = null;
        if (!Guid.TryParse(ownerId, out owner)) return false;
        if (agentId is null) return true;
        if (!Guid.TryParse(agentId, out var a)) return false;
        agent = a;
        return true;
    }

    private static async Task<bool> AgentIsOwnedAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid owner, Guid agent, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select 1 from companions.agents where id = @agent and owner_id = @owner", connection, tx);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>The book's id, creating it; null when the agent is not the owner's.</summary>
    private async Task<Guid?> EnsureBookAsync(NpgsqlTransaction tx, Guid owner, Guid? agent, CancellationToken ct)
    {
        if (agent is { } a && !await AgentIsOwnedAsync(tx.Connection!, tx, owner, a, ct)) return null;
        await using var command = new NpgsqlCommand($"""
            insert into chat.lorebooks (id, owner_id, agent_id, created_at, updated_at) values (@id, @owner, @agent, @now, @now)
            on conflict do nothing;
            select b.id from chat.lorebooks b where {BookScope};
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("id", Guid.CreateVersion7());
        AddScope(command.Parameters, owner, agent);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return (Guid)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task InsertEntriesAsync(NpgsqlTransaction tx, Guid owner, Guid bookId, IReadOnlyList<(Guid Id, LoreEntryDraft Draft)> entries, CancellationToken ct)
    {
        if (entries.Count == 0) return;
        await using var batch = new NpgsqlBatch(tx.Connection, tx);
        var now = time.GetUtcNow();
        foreach (var (id, draft) in entries)
        {
            var command = new NpgsqlBatchCommand("""
                insert into chat.lore_entries (id, book_id, owner_id, keys, secondary_keys, selective, constant, content, enabled, insertion_order,
                                               priority, case_sensitive, position, name, comment, extensions, use_regex, created_at, updated_at)
                values (@id, @book, @owner, @keys, @secondary, @selective, @constant, @content, @enabled, @order,
                        @priority, @case, @position, @name, @comment, @extensions::jsonb, @regex, @now, @now)
                """);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("book", bookId);
            command.Parameters.AddWithValue("owner", owner);
            command.Parameters.AddWithValue("now", now);
            AddEntry(command.Parameters, draft);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static async Task<Lorebook?> ReadBookAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid owner, Guid? agent, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select {BookColumns} from chat.lorebooks b where {BookScope};
            select {EntryColumns} from chat.lore_entries e join chat.lorebooks b on b.id = e.book_id where {BookScope} order by e.insertion_order, e.id;
            """, connection, tx);
        AddScope(command.Parameters, owner, agent);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var books = await ReadBooksAsync(reader, ct);
        return books.FirstOrDefault();
    }

    private static async Task<LoreEntry?> FindEntryAsync(NpgsqlConnection connection, Guid owner, Guid? agent, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select {EntryColumns} from chat.lore_entries e join chat.lorebooks b on b.id = e.book_id where e.id = @id and {BookScope}", connection);
        command.Parameters.AddWithValue("id", id);
        AddScope(command.Parameters, owner, agent);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadEntry(reader, 1) : null;
    }

    private static void AddScope(NpgsqlParameterCollection p, Guid owner, Guid? agent)
    {
        p.AddWithValue("owner", owner);
        p.Add(new NpgsqlParameter("agent", NpgsqlDbType.Uuid) { Value = (object?)agent ?? DBNull.Value });
    }

    private static void AddSettings(NpgsqlParameterCollection p, LorebookSettings s)
    {
        p.AddWithValue("name", s.Name?.Trim() ?? "");
        p.AddWithValue("description", s.Description?.Trim() ?? "");
        p.AddWithValue("depth", s.ScanDepth);
        p.AddWithValue("budget", s.TokenBudget);
        p.AddWithValue("recursive", s.RecursiveScanning);
        p.AddWithValue("extensions", JsonSerializer.Serialize(s.Extensions ?? new Dictionary<string, JsonElement>()));
    }

    private static void AddEntry(NpgsqlParameterCollection p, LoreEntryDraft d)
    {
        p.AddWithValue("keys", d.Keys.Select(k => k.Trim()).ToArray());
        p.AddWithValue("secondary", (d.SecondaryKeys ?? []).Select(k => k.Trim()).ToArray());
        p.AddWithValue("selective", d.Selective);
        p.AddWithValue("constant", d.Constant);
        p.AddWithValue("content", d.Content.Trim());
        p.AddWithValue("enabled", d.Enabled);
        p.AddWithValue("order", d.InsertionOrder);
        p.Add(new NpgsqlParameter("priority", NpgsqlDbType.Integer) { Value = (object?)d.Priority ?? DBNull.Value });
        p.AddWithValue("case", d.CaseSensitive);
        p.AddWithValue("position", d.Position);
        p.AddWithValue("name", d.Name?.Trim() ?? "");
        p.AddWithValue("comment", d.Comment?.Trim() ?? "");
        p.AddWithValue("extensions", JsonSerializer.Serialize(d.Extensions ?? new Dictionary<string, JsonElement>()));
        p.AddWithValue("regex", d.UseRegex);
    }

    internal static Lorebook ReadBook(NpgsqlDataReader r, IReadOnlyList<LoreEntry> entries) => new(
        r.GetGuid(0).ToString(),
        r.IsDBNull(1) ? null : r.GetGuid(1).ToString(),
        r.GetString(2),
        r.GetString(3),
        r.GetInt32(4),
        r.GetInt32(5),
        r.GetBoolean(6),
        Extensions(r.GetString(7)),
        entries,
        r.GetFieldValue<DateTimeOffset>(8),
        r.GetFieldValue<DateTimeOffset>(9));

    internal static LoreEntry ReadEntry(NpgsqlDataReader r, int at) => new(
        r.GetGuid(at).ToString(),
        r.GetFieldValue<string[]>(at + 1),
        r.GetFieldValue<string[]>(at + 2),
        r.GetBoolean(at + 3),
        r.GetBoolean(at + 4),
        r.GetString(at + 5),
        r.GetBoolean(at + 6),
        r.GetInt32(at + 7),
        r.IsDBNull(at + 8) ? null : r.GetInt32(at + 8),
        r.GetBoolean(at + 9),
        r.GetString(at + 10),
        r.GetString(at + 11),
        r.GetString(at + 12),
        Extensions(r.GetString(at + 13)),
        r.GetBoolean(at + 14));

    internal static IReadOnlyDictionary<string, JsonElement> Extensions(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? new Dictionary<string, JsonElement>();
}

/// <summary>The book already holds <see cref="LoreRules.MaxEntries"/> entries.</summary>
public sealed class LorebookFullException() : Exception($"A lorebook holds at most {LoreRules.MaxEntries} entries.");

/// <summary>The user's own book goes with their account.</summary>
public sealed class LoreAccountEraser(NpgsqlDataSource db) : Companions.IAccountEraser
{
    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return;
        await using var command = db.CreateCommand("delete from chat.lorebooks where owner_id = @owner; delete from chat.character_cards where owner_id = @owner;");
        command.Parameters.AddWithValue("owner", owner);
        await command.ExecuteNonQueryAsync(ct);
    }
}
