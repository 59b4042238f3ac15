using Hearth.Companions;
using Hearth.Durable.Orchestrations;
using Hearth.Media;
using Npgsql;

namespace Hearth.Functions.Pictures;

/// <summary>
/// The pictures' part of a deletion. A companion: every job of the agent (its orchestration stopped when still running,
/// then purged; its pictures deleted from the media store; its rows removed). An account: every job of the user, and every
/// picture the user has in the media store (portraits and uploads included). Idempotent: a retried erasure finds what is left.
/// </summary>
public sealed class PictureCompanionEraser(NpgsqlDataSource db, IOrchestrationClient orchestrations, IMediaStore media, ILogger<PictureCompanionEraser> logger)
    : ICompanionEraser, IAccountEraser
{
    public Task EraseAsync(string ownerId, string agentId, CancellationToken ct) => EraseJobsAsync(ownerId, agentId, ct);

    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        await EraseJobsAsync(ownerId, null, ct);
        await media.DeleteAllAsync(Guid.Parse(ownerId), ct);
    }

    private async Task EraseJobsAsync(string ownerId, string? agentId, CancellationToken ct)
    {
        var jobs = new List<(string Id, string[] Media)>();
        await using (var read = db.CreateCommand("""
            select j.id, coalesce(array_agg(i.media_id) filter (where i.media_id is not null), '{}')
              from images.jobs j left join images.job_images i on i.job_id = j.id
             where j.owner_id = @owner::uuid and (@agent::text is null or j.agent_id = @agent)
             group by j.id
            """))
        {
            read.Parameters.AddWithValue("owner", ownerId);
            read.Parameters.Add(new NpgsqlParameter("agent", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)agentId ?? DBNull.Value });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) jobs.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
        }
        foreach (var (id, pictures) in jobs)
        {
            // The orchestration first, so it copies no new picture in after ours are gone; purged, as its input holds the prompt.
            if (await orchestrations.GetAsync(id, ownerId, ct) is { } instance)
            {
                if (!instance.IsFinished) logger.LogInformation("Picture job {JobId} stopped: its companion {AgentId} was deleted", id, agentId);
                await OrchestrationErasure.EraseAsync(orchestrations, [instance], ownerId, "the companion was deleted", ct);
            }
            foreach (var picture in pictures) await media.DeleteAsync(picture, Guid.Parse(ownerId), ct);
        }
        await using var delete = db.CreateCommand("""
            with gone as (delete from images.jobs where owner_id = @owner::uuid and (@agent::text is null or agent_id = @agent) returning id)
            delete from images.webhook_deliveries where job_id in (select id from gone)
            """);
        delete.Parameters.AddWithValue("owner", ownerId);
        delete.Parameters.Add(new NpgsqlParameter("agent", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)agentId ?? DBNull.Value });
        await delete.ExecuteNonQueryAsync(ct);
    }
}
