using Hearth.Companions;
using Hearth.Search;
using Npgsql;

namespace Hearth.Memory;

/// <summary>
/// Memory's part of a deletion. A companion: its indexed turns and windows (documents and vectors, in every collection its
/// turns went to), the record of those turns, its session summaries, and the memories and suggestions drawn from its
/// chats (or describing it). An account: all of that for every companion, plus the user's own memories and imported
/// documents (in the index too). Idempotent.
/// </summary>
public sealed class MemoryCompanionEraser(NpgsqlDataSource db, ISearchIndex index, MemoryOptions options) : ICompanionEraser, IAccountEraser
{
    public async Task EraseAsync(string ownerId, string agentId, CancellationToken ct)
    {
        // The index first: the turn records are how a retried erasure finds the collections again. The configured
        // collections too: a summary lives in the fallback one, and a late job may write after the turn records are gone.
        var collections = (await TurnCollectionsAsync(ownerId, agentId, ct))
            .Concat(options.Domains.Select(d => d.Collection))
            .Append(DomainRouter.DefaultCollection)
            .Distinct(StringComparer.Ordinal);
        foreach (var collection in collections)
            await DeleteWhereAsync(collection, new SearchFilter(ownerId) { Agent = agentId }, ct);
        await DeleteRowsAsync(ownerId, agentId, ct);
    }

    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        var collections = (await TurnCollectionsAsync(ownerId, null, ct))
            .Concat(options.Domains.Select(d => d.Collection))
            .Append(DomainRouter.DefaultCollection)
            .Append(options.DocumentsCollection)
            .Distinct(StringComparer.Ordinal);
        foreach (var collection in collections) await DeleteWhereAsync(collection, new SearchFilter(ownerId), ct);
        await DeleteRowsAsync(ownerId, null, ct);
    }

    private async Task<List<string>> TurnCollectionsAsync(string ownerId, string? agentId, CancellationToken ct)
    {
        var collections = new List<string>();
        await using var read = db.CreateCommand("select distinct collection from memory.turns where owner_id = @owner::uuid and (@agent::text is null or agent_id = @agent)");
        read.Parameters.AddWithValue("owner", ownerId);
        read.Parameters.Add(new NpgsqlParameter("agent", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)agentId ?? DBNull.Value });
        await using var reader = await read.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) collections.Add(reader.GetString(0));
        return collections;
    }

    private async Task DeleteWhereAsync(string collection, SearchFilter filter, CancellationToken ct)
    {
        try
        {
            await index.DeleteWhereAsync(collection, filter, ct);
        }
        catch (SearchCollectionNotFoundException)
        {
            // Never created: nothing of anyone's in it.
        }
    }

    private async Task DeleteRowsAsync(string ownerId, string? agentId, CancellationToken ct)
    {
        var statements = agentId is not null
            ? new[]
            {
                "delete from memory.items where owner_id = @owner::uuid and (agent_id = @agent or scope = @agent)",
                "delete from memory.summaries where owner_id = @owner::uuid and agent_id = @agent",
                "delete from memory.turns where owner_id = @owner::uuid and agent_id = @agent",
            }
            : new[]
            {
                "delete from memory.items where owner_id = @owner::uuid",
                "delete from memory.summaries where owner_id = @owner::uuid",
                "delete from memory.turns where owner_id = @owner::uuid",
                "delete from memory.documents where owner_id = @owner::uuid",
            };
        await OwnedRows.DeleteAsync(db, statements, ownerId, agentId, ct);
    }
}
