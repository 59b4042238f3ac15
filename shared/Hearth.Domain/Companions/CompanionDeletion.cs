using Hearth.Durable;
using Hearth.Durable.Jobs;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Companions;

/// <summary>
/// What one feature keeps about a companion outside the companion's own tables (memory and its index, pictures and
/// their media, orchestrations). Called by the deletion job after the agent row is gone; may run more than once.
/// </summary>
public interface ICompanionEraser
{
    /// <summary>Erases everything of the agent this feature holds. Idempotent.</summary>
    Task EraseAsync(string ownerId, string agentId, CancellationToken ct);
}

/// <summary>The deletion job's payload.</summary>
public sealed record CompanionErasure(string DeletionId, string OwnerId, string AgentId);

/// <summary>A deletion as <c>GET /api/deletions/{id}</c> shows it: <c>running</c> until every feature has erased the agent, then <c>done</c>.</summary>
public sealed record CompanionDeletionStatus(string Id, string AgentId, string Status, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt);

/// <summary>
/// Deletes a companion in one durable flow: the agent row goes in the request's transaction (its messages, sessions,
/// scenarios, life events, plans, notifications and feelings cascade with it) together with the job that asks every
/// <see cref="ICompanionEraser"/> to erase the rest; the job retries until all of them have, then marks the deletion done.
/// </summary>
public sealed class CompanionDeletion(NpgsqlDataSource db, IJobClient jobs, IEnumerable<ICompanionEraser> erasers, TimeProvider time, ILogger<CompanionDeletion> logger)
{
    /// <summary>The deletion job's queue.</summary>
    public const string Queue = "companions.erase-agent";

    /// <summary>Deletes the agent and starts the erasure; null when the agent is not the owner's.</summary>
    public async Task<CompanionDeletionStatus?> RequestAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var agent)) return null;
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7();
        await using var durable = await db.BeginDurableAsync(ct);
        await using (var delete = new NpgsqlCommand("""
            with gone as (delete from companions.agents where id = @agent and owner_id = @owner returning id)
            insert into companions.deletions (id, owner_id, agent_id, status, requested_at) select @id, @owner, id, 'running', @now from gone
            """, durable.Connection, durable.Transaction))
        {
            delete.Parameters.AddWithValue("id", id);
            delete.Parameters.AddWithValue("agent", agent);
            delete.Parameters.AddWithValue("owner", owner);
            delete.Parameters.AddWithValue("now", now);
            if (await delete.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        await jobs.EnqueueAsync(Queue, new CompanionErasure(id.ToString(), ownerId, agentId),
            new EnqueueOptions { Owner = ownerId, UniqueKey = $"erase:{agentId}" }, durable.Transaction, ct);
        await durable.CommitAsync(ct);
        logger.LogInformation("Agent {AgentId} deleted; erasure {DeletionId} started", agentId, id);
        return new CompanionDeletionStatus(id.ToString(), agentId, "running", now, null);
    }

    /// <summary>The job: every feature erases the agent (a failure fails the job, which retries them all), then the deletion is done.</summary>
    public async Task EraseAsync(CompanionErasure erasure, CancellationToken ct)
    {
        foreach (var eraser in erasers) await eraser.EraseAsync(erasure.OwnerId, erasure.AgentId, ct);
        await using var done = db.CreateCommand("update companions.deletions set status = 'done', completed_at = @now where id = @id and status = 'running'");
        done.Parameters.AddWithValue("id", Guid.Parse(erasure.DeletionId));
        done.Parameters.AddWithValue("now", time.GetUtcNow());
        await done.ExecuteNonQueryAsync(ct);
        logger.LogInformation("Agent {AgentId} erased by {Erasers} features", erasure.AgentId, erasers.Count());
    }

    /// <summary>A deletion of the owner's; null when there is none with this id.</summary>
    public async Task<CompanionDeletionStatus?> GetAsync(string ownerId, string deletionId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(deletionId, out var id)) return null;
        await using var command = db.CreateCommand("select id, agent_id, status, requested_at, completed_at from companions.deletions where id = @id and owner_id = @owner");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new CompanionDeletionStatus(reader.GetGuid(0).ToString(), reader.GetGuid(1).ToString(), reader.GetString(2),
            reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
    }

    /// <summary>Deletes every companion of the owner (DELETE /api/me); the ids of the deletions started.</summary>
    public async Task<IReadOnlyList<CompanionDeletionStatus>> RequestAllAsync(string ownerId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner)) return [];
        var agents = new List<Guid>();
        await using (var list = db.CreateCommand("select id from companions.agents where owner_id = @owner"))
        {
            list.Parameters.AddWithValue("owner", owner);
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) agents.Add(reader.GetGuid(0));
        }
        var started = new List<CompanionDeletionStatus>();
        foreach (var agent in agents)
            if (await RequestAsync(ownerId, agent.ToString(), ct) is { } deletion) started.Add(deletion);
        return started;
    }
}
