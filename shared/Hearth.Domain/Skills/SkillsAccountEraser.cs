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
        // Children first where no cascade reaches (versions and sections cascade from files, run files from runs).
        await OwnedRows.DeleteAsync(db,
        [
            "delete from skills.checkouts where owner_id = @owner::uuid",
            "delete from skills.runs where owner_id = @owner::uuid",
            "delete from skills.files where owner_id = @owner::uuid",
            "delete from skills.blobs where owner_id = @owner::uuid",
        ], ownerId, null, ct);
        var folder = Path.Combine(checkouts.Root, ownerId);
        if (Path.GetFileName(folder) == ownerId && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
