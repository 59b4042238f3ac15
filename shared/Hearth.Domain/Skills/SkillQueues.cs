namespace Hearth.Skills;

/// <summary>Names of the skill library's queue functions and activities.</summary>
public static class SkillQueues
{
    /// <summary>Append a new file version to the archive mirror. Payload: <see cref="SkillVersionCommitted"/>. Enqueued in the version's transaction, only when a mirror is configured.</summary>
    public const string Sync = "skills.sync";

    /// <summary>Index the current sections of files in the search engine. Payload: <see cref="SkillIndexRequested"/>.</summary>
    public const string Index = "skills.index";

    /// <summary>Activity: store one file of a bulk ingest run.</summary>
    public const string IngestFile = "skills.ingest-file";

    /// <summary>Activity: index the files a run changed, a slice at a time.</summary>
    public const string IndexRun = "skills.index-run";

    /// <summary>Activity: write the run's report (and mirror and verify, when a mirror is configured).</summary>
    public const string FinishRun = "skills.finish-run";
}

/// <summary>A file version was committed (the sync message per changed file).</summary>
public sealed record SkillVersionCommitted(string Owner, string FileId, int Version);

/// <summary>Index these files' current sections.</summary>
public sealed record SkillIndexRequested(string Owner, IReadOnlyList<string> FileIds);
