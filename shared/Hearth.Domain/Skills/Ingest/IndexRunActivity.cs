using Hearth.Durable.Tasks;
using Microsoft.DurableTask;
using Npgsql;

namespace Hearth.Skills.Ingest;

/// <summary>
/// Indexes the files of a slice of a run that the index does not hold yet (new and updated files, and unchanged files
/// an earlier indexing missed). Idempotent: a retry only does what is left. A file that cannot be indexed for its own
/// content is left with its reason (the run's report lists it); only the service being down fails the activity.
/// </summary>
public sealed class IndexRunActivity(NpgsqlDataSource db, SkillSearchIndexer indexer, ActivityShutdown shutdown) : TaskActivity<IndexRunInput, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, IndexRunInput input)
    {
        // Embedding a slice of files takes seconds: at shutdown it stops and runs again later, doing only what is left.
        var ct = shutdown.Token;
        var files = await UnindexedFilesAsync(db, input.RunId, input.Owner, input.From, input.To, ct);
        return files.Count == 0 ? 0 : (await indexer.IndexFilesAsync(input.Owner, files, ct)).Written;
    }

    /// <summary>Files of the run's slice [from, to) that were stored and whose current version the index does not hold.</summary>
    internal static async Task<List<string>> UnindexedFilesAsync(NpgsqlDataSource db, string runId, string owner, int from, int to, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select r.file_id from skills.run_files r join skills.files f on f.id = r.file_id
            where r.run_id = $1 and r.owner_id = $2::uuid and r.ord >= $3 and r.ord < $4 and r.status in ('created', 'updated', 'unchanged')
              and f.indexed_version is distinct from f.version
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
