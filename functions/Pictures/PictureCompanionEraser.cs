using Hearth.Companions;
using Hearth.Durable.Orchestrations;
using Hearth.Media;
using Npgsql;

namespace Hearth.Functions.Pictures;

/// <summary>
/// The pictures' part of a companion's deletion: every job of the agent (its orchestration terminated when still
/// running, its pictures deleted from the media store, its rows removed). Idempotent: a retried erasure finds what is left.
/// </summary>
public sealed class PictureCompanionEraser(NpgsqlDataSource db, IOrchestrationClient orchestrations, IMediaStore media, ILogger<PictureCompanionEraser> logger) : ICompanionEraser
{
    public async Task EraseAsync(string ownerId, string agentId, CancellationToken ct)
    {
        var jobs = new List<(string Id, string[] Media)>();
        await using (var read = db.CreateCommand("""
            select j.id, coalesce(array_agg(i.media_id) filter (where i.media_id is not null), '{}')
              from images.jobs j left join images.job_images i on i.job_id = j.id
             where j.owner_id = @owner and j.agent_id = @agent
             group by j.id
            """))
        {
            read.Parameters.AddWithValue("owner", ownerId);
            read.Parameters.AddWithValue("agent", agentId);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) jobs.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
        }
        foreach (var (id, pictures) in jobs)
        {
            // The orchestration first, so it copies no new picture in after ours are gone (false: it had finished).
            if (await orchestrations.TerminateAsync(id, "the companion was deleted", ownerId, ct))
                logger.LogInformation("Picture job {JobId} terminated: its companion {AgentId} was deleted", id, agentId);
            foreach (var picture in pictures) await media.DeleteAsync(picture, ownerId, ct);
        }
        await using var delete = db.CreateCommand("delete from images.jobs where owner_id = @owner and agent_id = @agent");
        delete.Parameters.AddWithValue("owner", ownerId);
        delete.Parameters.AddWithValue("agent", agentId);
        await delete.ExecuteNonQueryAsync(ct);
    }
}
