using Hearth.Durable.Jobs;

namespace Hearth.Skills;

/// <summary><c>skills.index</c>: indexes files' current sections (queued with every single-file change, and for run slices whose indexing failed).</summary>
public sealed class SkillIndexFunction(SkillSearchIndexer indexer) : IQueueFunction<SkillIndexRequested>
{
    public Task RunAsync(SkillIndexRequested message, JobContext context, CancellationToken ct) =>
        indexer.IndexFilesAsync(message.Owner, message.FileIds, ct);
}
