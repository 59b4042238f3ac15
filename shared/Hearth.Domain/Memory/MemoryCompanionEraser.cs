using Hearth.Companions;
using Hearth.Search;
using Npgsql;

namespace Hearth.Memory;

/// <summary>
/// Memory's part of a companion's deletion: its indexed turns and windows (documents and vectors, in every collection its
/// turns went to), the record of those turns, its session summaries, and the memories and suggestions drawn from its
/// chats (or describing it). Idempotent.
/// </summary>
public sealed class MemoryCompanionEraser(NpgsqlDataSource db, ISearchIndex index) : ICompanionEraser
{
    public async Task EraseAsync(string ownerId, string agentId, CancellationToken ct)
    {
        var collections = new List<string>();
        await using (var read = db.CreateCommand("select distinct collection from memory.turns where owner_id = @owner and agent_id = @agent"))
        {
            read.Parameters.AddWithValue("owner", ownerId);
            read.Parameters.AddWithValue("agent", agentId);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) collections.Add(reader.GetString(0));
        }
        // The index first: the turn records are how a retried erasure finds the collections again.
        foreach (var collection in collections)
            await index.DeleteWhereAsync(collection, new SearchFilter(ownerId) { Agent = agentId }, ct);

        await using var batch = db.CreateBatch();
        foreach (var sql in new[]
                 {
                     "delete from memory.items where owner_id = @owner and agent_id = @agent",
                     "delete from memory.summaries where owner_id = @owner and agent_id = @agent",
                     "delete from memory.turns where owner_id = @owner and agent_id = @agent",
                 })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("owner", ownerId);
            command.Parameters.AddWithValue("agent", agentId);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }
}
