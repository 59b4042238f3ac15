using Hearth.Durable.Jobs;
using Npgsql;

namespace Hearth.Skills.Ingest;

/// <summary>Indexes the files a slice of a run created or updated (one upsert for the whole slice). Idempotent.</summary>
public sealed class IndexRunActivity(NpgsqlDataSource db, SkillSearchIndexer indexer) : IActivity<IndexRunInput, int>
{
    public async Task<int> RunAsync(IndexRunInput input, JobContext context, CancellationToken ct)
    {
        var files = await ChangedFilesAsync(db, input.RunId, input.Owner, input.From, input.To, ct);
        return files.Count == 0 ? 0 : await indexer.IndexFilesAsync(input.Owner, files, ct);
    }

    /// <summary>Files of the run's slice [from, to) that got a new version.</summary>
    internal static async Task<List<string>> ChangedFilesAsync(NpgsqlDataSource db, string runId, string owner, int from, int to, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select file_id from skills.run_files
            where run_id = $1 and owner = $2 and ord >= $3 and ord < $4 and status in ('created', 'updated')
            """);
        command.Parameters.Add(new() { Value = runId });
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        var files = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) files.Add(reader.GetString(0));
        return files;
    }
}
