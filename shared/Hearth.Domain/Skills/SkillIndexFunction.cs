using Hearth.Durable.Jobs;
using Microsoft.Extensions.Logging;

namespace Hearth.Skills;

/// <summary>
/// <c>skills.index</c>: indexes files' current sections (queued with every single-file change, and for run slices whose
/// indexing failed). A file that cannot be indexed for its own content is recorded on the file (its
/// <c>index_error</c>) rather than retried: retrying would fail the same way. The service being down throws, and retries.
/// </summary>
public sealed class SkillIndexFunction(SkillSearchIndexer indexer, ILogger<SkillIndexFunction> logger) : IQueueFunction<SkillIndexRequested>
{
    public async Task RunAsync(SkillIndexRequested message, JobContext context, CancellationToken ct)
    {
        var outcome = await indexer.IndexFilesAsync(message.Owner, message.FileIds, ct);
        foreach (var failure in outcome.Failures)
            logger.LogWarning("Skill file {FileId} could not be indexed: {Error}", failure.FileId, failure.Error);
    }
}
