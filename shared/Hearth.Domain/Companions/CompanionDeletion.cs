using System.Security.Cryptography;
using System.Text;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Identity;
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

/// <summary>
/// What one feature keeps about a user (DELETE /api/me): everything of theirs, of every companion or none. Called by the
/// account deletion job after the user row and the companions are gone, once more two minutes later (a replica that
/// still knew the user may have written under the old id meanwhile); may run more than once.
/// </summary>
public interface IAccountEraser
{
    /// <summary>Erases everything of the owner this feature holds. Idempotent.</summary>
    Task EraseAccountAsync(string ownerId, CancellationToken ct);
}

/// <summary>The rows an eraser deletes: its statements in one round trip, each using <c>@owner</c> (and <c>@agent</c> when given).</summary>
public static class OwnedRows
{
    public static async Task DeleteAsync(NpgsqlDataSource db, IEnumerable<string> statements, object owner, object? agent, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        foreach (var sql in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("owner", owner);
            if (agent is not null) command.Parameters.AddWithValue("agent", agent);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The deletion job's payload.</summary>
public sealed record CompanionErasure(string DeletionId, string OwnerId, string AgentId);

/// <summary>The account deletion job's payload; <paramref name="Sweep"/> marks the second, late pass.</summary>
public sealed record AccountErasure(string DeletionId, string OwnerId, bool Sweep = false);

/// <summary>
/// A deletion as <c>GET /api/deletions/{id}</c> shows it: <c>running</c> until every feature has erased what it held,
/// then <c>done</c>. <see cref="Kind"/> is <c>agent</c> (with <see cref="AgentId"/>) or <c>account</c>.
/// </summary>
public sealed record CompanionDeletionStatus(string Id, string? AgentId, string Status, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, string Kind = "agent");

/// <summary>
/// Deletes a companion, or a whole account, in one durable flow. A companion: the agent row goes in the request's
/// transaction (its messages, sessions, scenarios, life events, plans, notifications and feelings cascade with it)
/// together with the job that asks every <see cref="ICompanionEraser"/> to erase the rest. An account: the user row and
/// every companion go in the request's transaction with the job that stops the user's orchestrations, asks every
/// <see cref="IAccountEraser"/> to erase the rest and purges the orchestrations. The jobs retry until all have, then
/// mark the deletion done.
/// </summary>
public sealed class CompanionDeletion(
    NpgsqlDataSource db, IJobClient jobs, IOrchestrationClient orchestrations, IEnumerable<ICompanionEraser> erasers,
    IEnumerable<IAccountEraser> accountErasers, TimeProvider time, ILogger<CompanionDeletion> logger)
{
    /// <summary>The deletion job's queue.</summary>
    public const string Queue = "companions.erase-agent";

    /// <summary>The account deletion job's queue.</summary>
    public const string AccountQueue = "companions.erase-account";

    /// <summary>When the account's second pass runs: after every replica has forgotten the user (their sign-in cache keeps one a minute).</summary>
    public static readonly TimeSpan SweepDelay = TimeSpan.FromMinutes(2);

    private const string DoneChannel = "hearth_deletions";

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
        await MarkDoneAsync(erasure.DeletionId, ct);
        logger.LogInformation("Agent {AgentId} erased by {Erasers} features", erasure.AgentId, erasers.Count());
    }

    /// <summary>
    /// Deletes the user's account (DELETE /api/me): the user row and every companion at once, then everything else of
    /// theirs in the job. The same token signs in as a new, empty user afterwards.
    /// </summary>
    public async Task<CompanionDeletionStatus> RequestAccountAsync(string ownerId, string subject, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner)) throw new ArgumentException("The owner id is a UUID.", nameof(ownerId));
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7();
        await using var durable = await db.BeginDurableAsync(ct);
        await using (var batch = new NpgsqlBatch(durable.Connection, durable.Transaction))
        {
            // Earlier deletions' statuses go with the account; the agents take their messages, events, plans and
            // notifications along (cascades); the user row goes so the token's next request is a new user.
            foreach (var sql in new[]
                     {
                         "delete from companions.deletions where owner_id = @owner",
                         "delete from companions.agents where owner_id = @owner",
                         """
                         insert into companions.deletions (id, owner_id, agent_id, kind, subject_hash, status, requested_at)
                         values (@id, @owner, null, 'account', @subject, 'running', @now)
                         """,
                     })
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue("owner", owner);
                command.Parameters.AddWithValue("id", id);
                command.Parameters.AddWithValue("subject", SubjectHash(subject));
                command.Parameters.AddWithValue("now", now);
                batch.BatchCommands.Add(command);
            }
            batch.BatchCommands.Add(IdentityStatements.DeleteUser(owner));
            await batch.ExecuteNonQueryAsync(ct);
        }
        await jobs.EnqueueAsync(AccountQueue, new AccountErasure(id.ToString(), ownerId),
            new EnqueueOptions { UniqueKey = $"erase-account:{ownerId}" }, durable.Transaction, ct);
        await durable.CommitAsync(ct);
        logger.LogInformation("Account {OwnerId} deleted; erasure {DeletionId} started", ownerId, id);
        return new CompanionDeletionStatus(id.ToString(), null, "running", now, null, "account");
    }

    /// <summary>
    /// The account job: the user's orchestrations are stopped first (so none writes after the erasure), every feature
    /// erases what it holds, the orchestrations are purged; the first pass marks the deletion done and schedules the sweep.
    /// </summary>
    public async Task EraseAccountAsync(AccountErasure erasure, CancellationToken ct)
    {
        var owner = erasure.OwnerId;
        var instances = await OrchestrationErasure.ListAsync(orchestrations, owner, null, _ => true, ct);
        await OrchestrationErasure.StopAsync(orchestrations, instances, owner, "the account was deleted", ct);
        foreach (var eraser in accountErasers) await eraser.EraseAccountAsync(owner, ct);
        await OrchestrationErasure.EraseAsync(orchestrations, await OrchestrationErasure.ListAsync(orchestrations, owner, null, _ => true, ct),
            owner, "the account was deleted", ct);
        if (erasure.Sweep)
        {
            logger.LogInformation("Account {OwnerId}: late sweep done", owner);
            return;
        }
        await jobs.EnqueueAsync(AccountQueue, erasure with { Sweep = true },
            new EnqueueOptions { Delay = SweepDelay, UniqueKey = $"sweep-account:{owner}" }, null, ct);
        await MarkDoneAsync(erasure.DeletionId, ct);
        logger.LogInformation("Account {OwnerId} erased by {Erasers} features ({Instances} orchestrations)", owner, accountErasers.Count(), instances.Count);
    }

    /// <summary>A deletion of the caller's (their own, or their deleted account's by the same token subject); null when there is none with this id.</summary>
    public async Task<CompanionDeletionStatus?> GetAsync(string ownerId, string subject, string deletionId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(deletionId, out var id)) return null;
        await using var command = db.CreateCommand("""
            select id, agent_id, status, requested_at, completed_at, kind from companions.deletions
             where id = @id and (owner_id = @owner or subject_hash = @subject)
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("subject", SubjectHash(subject));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new CompanionDeletionStatus(reader.GetGuid(0).ToString(), reader.IsDBNull(1) ? null : reader.GetGuid(1).ToString(), reader.GetString(2),
            reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5));
    }

    /// <summary>Waits until the deletion is done (woken by the job's notification, not by polling); false when there is no such deletion.</summary>
    public async Task<bool> WaitUntilDoneAsync(string deletionId, CancellationToken ct)
    {
        if (!Ids.TryParse(deletionId, out var id)) return false;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var listen = new NpgsqlCommand($"listen {DoneChannel}", connection)) await listen.ExecuteNonQueryAsync(ct);
        while (true)
        {
            await using (var read = new NpgsqlCommand("select status from companions.deletions where id = @id", connection))
            {
                read.Parameters.AddWithValue("id", id);
                switch (await read.ExecuteScalarAsync(ct))
                {
                    case null: return false;
                    case "done": return true;
                }
            }
            await connection.WaitAsync(ct);
        }
    }

    private async Task MarkDoneAsync(string deletionId, CancellationToken ct)
    {
        await using var done = db.CreateCommand("""
            with done as (update companions.deletions set status = 'done', completed_at = @now where id = @id and status = 'running' returning id)
            select pg_notify(@channel, id::text) from done
            """);
        done.Parameters.AddWithValue("id", Guid.Parse(deletionId));
        done.Parameters.AddWithValue("now", time.GetUtcNow());
        done.Parameters.AddWithValue("channel", DoneChannel);
        await done.ExecuteNonQueryAsync(ct);
    }

    private static string SubjectHash(string subject) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)));
}

/// <summary><c>companions.erase-agent</c>: the deletion job of one companion.</summary>
public sealed class CompanionErasureFunction(CompanionDeletion deletion) : IQueueFunction<CompanionErasure>
{
    public Task RunAsync(CompanionErasure erasure, JobContext context, CancellationToken ct) => deletion.EraseAsync(erasure, ct);
}

/// <summary><c>companions.erase-account</c>: the deletion job of a user's account (and its late sweep).</summary>
public sealed class AccountErasureFunction(CompanionDeletion deletion) : IQueueFunction<AccountErasure>
{
    public Task RunAsync(AccountErasure erasure, JobContext context, CancellationToken ct) => deletion.EraseAccountAsync(erasure, ct);
}

/// <summary>The companions' own part of an account's erasure: any agent still under the old id (the sweep) goes, with all that cascades from it.</summary>
public sealed class CompanionAccountEraser(NpgsqlDataSource db) : IAccountEraser
{
    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner)) return;
        await using var delete = db.CreateCommand("delete from companions.agents where owner_id = @owner");
        delete.Parameters.AddWithValue("owner", owner);
        await delete.ExecuteNonQueryAsync(ct);
    }
}
