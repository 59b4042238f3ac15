using Npgsql;

namespace Hearth.Chat;

/// <summary>A companion's core memory block: what it always knows about the user (empty text and no time until first written).</summary>
/// <param name="AgentName">The companion's name (in exports: on an instance without that companion's id, a block goes to the companion of that name).</param>
public sealed record CoreMemoryBlock(string AgentId, string Text, int Limit, DateTimeOffset? UpdatedAt, string? AgentName = null);

/// <summary>
/// Core memory, in Letta's sense: one block of text per companion that is in every prompt it is written from, visible and
/// editable by the user (<c>/api/agents/{id}/core-memory</c>). The model never writes it directly: it may propose an edit
/// (a line to add, or a line in place of one), which reaches the user as a memory suggestion of kind <c>core</c>; only the
/// user's acceptance applies it (<see cref="ApplyAsync"/>).
/// </summary>
public sealed class CoreMemory(NpgsqlDataSource db, TimeProvider time) : ICoreMemoryBlocks
{
    /// <summary>Most characters a block holds.</summary>
    public const int MaxLength = 2000;

    /// <summary>The block; null when the agent is not the owner's.</summary>
    public async Task<CoreMemoryBlock?> GetAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return null;
        await using var command = db.CreateCommand("""
            select c.text, c.updated_at from companions.agents a left join chat.core_memory c on c.agent_id = a.id
             where a.id = @agent and a.owner_id = @owner
            """);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new CoreMemoryBlock(agentId, r.IsDBNull(0) ? "" : r.GetString(0), MaxLength, r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>Replaces the block's text; null when the agent is not the owner's.</summary>
    public async Task<CoreMemoryBlock?> PutAsync(string ownerId, string agentId, string text, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return null;
        var now = time.GetUtcNow();
        await using var command = db.CreateCommand("""
            insert into chat.core_memory (agent_id, owner_id, text, updated_at)
            select a.id, a.owner_id, @text, @now from companions.agents a where a.id = @agent and a.owner_id = @owner
            on conflict (agent_id) do update set text = excluded.text, updated_at = excluded.updated_at
            returning updated_at
            """);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("text", text.Trim());
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteScalarAsync(ct) is null ? null : new CoreMemoryBlock(agentId, text.Trim(), MaxLength, now);
    }

    /// <summary>Imports a block: to the companion of that id, else to the owner's (oldest) companion of that name; null when there is none.</summary>
    public async Task<CoreMemoryBlock?> ImportAsync(string ownerId, CoreMemoryBlock block, CancellationToken ct)
    {
        if (await PutAsync(ownerId, block.AgentId, block.Text, ct) is { } byId) return byId;
        if (string.IsNullOrWhiteSpace(block.AgentName) || !Guid.TryParse(ownerId, out var owner)) return null;
        await using var find = db.CreateCommand("select id from companions.agents where owner_id = @owner and name = @name order by created_at, id limit 1");
        find.Parameters.AddWithValue("owner", owner);
        find.Parameters.AddWithValue("name", block.AgentName);
        return await find.ExecuteScalarAsync(ct) is Guid agent ? await PutAsync(ownerId, agent.ToString(), block.Text, ct) : null;
    }

    /// <summary>Every written block of the owner's companions (for the export).</summary>
    public async Task<IReadOnlyList<CoreMemoryBlock>> ListAsync(string ownerId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return [];
        await using var command = db.CreateCommand("""
            select c.agent_id, c.text, c.updated_at, a.name from chat.core_memory c join companions.agents a on a.id = c.agent_id
             where c.owner_id = @owner order by c.agent_id
            """);
        command.Parameters.AddWithValue("owner", owner);
        var list = new List<CoreMemoryBlock>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(new CoreMemoryBlock(r.GetGuid(0).ToString(), r.GetString(1), MaxLength, r.GetFieldValue<DateTimeOffset>(2), r.GetString(3)));
        return list;
    }

    /// <inheritdoc />
    public async Task<string?> ReadAsync(string ownerId, string agentId, CancellationToken ct) => (await GetAsync(ownerId, agentId, ct))?.Text;

    /// <summary>
    /// The block after an edit: <paramref name="text"/> as a new last line, or in place of the first occurrence of
    /// <paramref name="replaces"/>; null with the reason when the edit cannot be made.
    /// </summary>
    public static (string? Block, CoreMemoryEditOutcome Outcome) Edit(string block, string? replaces, string text)
    {
        block = block.Trim();
        text = text.Trim();
        string edited;
        if (!string.IsNullOrEmpty(replaces))
        {
            var at = block.IndexOf(replaces, StringComparison.Ordinal);
            if (at < 0) return (null, CoreMemoryEditOutcome.LineGone);
            edited = (block[..at] + text + block[(at + replaces.Length)..]).Trim();
        }
        else edited = block.Length == 0 ? text : block + "\n" + text;
        return edited.Length > MaxLength ? (null, CoreMemoryEditOutcome.TooLong) : (edited, CoreMemoryEditOutcome.Applied);
    }

    /// <inheritdoc />
    public async Task<CoreMemoryEditOutcome> ApplyAsync(NpgsqlTransaction transaction, string ownerId, string agentId, string? replaces, string text, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return CoreMemoryEditOutcome.NoAgent;
        string block;
        // The agent row is locked with the block: the block cannot change (nor the agent go) between reading and writing.
        await using (var read = new NpgsqlCommand("""
            select coalesce(c.text, '') from companions.agents a left join chat.core_memory c on c.agent_id = a.id
             where a.id = @agent and a.owner_id = @owner
             for update of a
            """, transaction.Connection, transaction))
        {
            read.Parameters.AddWithValue("agent", agent);
            read.Parameters.AddWithValue("owner", owner);
            if (await read.ExecuteScalarAsync(ct) is not string current) return CoreMemoryEditOutcome.NoAgent;
            block = current;
        }
        var (edited, outcome) = Edit(block, replaces, text);
        if (edited is null) return outcome;
        await using var write = new NpgsqlCommand("""
            insert into chat.core_memory (agent_id, owner_id, text, updated_at) values (@agent, @owner, @text, @now)
            on conflict (agent_id) do update set text = excluded.text, updated_at = excluded.updated_at
            """, transaction.Connection, transaction);
        write.Parameters.AddWithValue("agent", agent);
        write.Parameters.AddWithValue("owner", owner);
        write.Parameters.AddWithValue("text", edited);
        write.Parameters.AddWithValue("now", time.GetUtcNow());
        await write.ExecuteNonQueryAsync(ct);
        return CoreMemoryEditOutcome.Applied;
    }
}
