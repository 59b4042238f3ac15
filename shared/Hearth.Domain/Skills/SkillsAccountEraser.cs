using Hearth.Companions;
using Hearth.Search;
using Hearth.Skills.Checkout;
using Npgsql;

namespace Hearth.Skills;

/// <summary>
/// The skill library's part of an account's deletion: the user's files with every version and section, the stored
/// bytes, ingest runs, checkouts (their folder too) and the user's sections in the search index. Idempotent.
/// </summary>
public sealed class SkillsAccountEraser(NpgsqlDataSource db, ISearchIndex index, CheckoutFolder checkouts) : IAccountEraser
{
    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        try
        {
            await index.DeleteWhereAsync(SkillSearchIndexer.Collection, new SearchFilter(ownerId), ct);
        }
        catch (SearchCollectionNotFoundException)
        {
            // No skill was ever indexed here.
        }
        await using (var batch = db.CreateBatch())
        {
            // Children first where no cascade reaches (versions and sections cascade from files, run files from runs).
            foreach (var sql in new[]
                     {
                         "delete from skills.checkouts where owner = @owner",
                         "delete from skills.runs where owner = @owner",
                         "delete from skills.files where owner = @owner",
                         "delete from skills.blobs where owner = @owner",
                     })
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue("owner", ownerId);
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        var folder = Path.Combine(checkouts.Root, ownerId);
        if (Path.GetFileName(folder) == ownerId && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
