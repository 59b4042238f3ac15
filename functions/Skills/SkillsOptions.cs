using System.ComponentModel.DataAnnotations;

namespace Hearth.Functions.Skills;

/// <summary>The skill library's limits, bulk ingest and checkout folder.</summary>
[SettingsSection("Skills")]
public sealed class SkillsOptions
{
    [Setting("Folder checkouts are written under (<root>/<owner>/<path>); default: 'checkout' in the data folder (HEARTH_DATA_DIR or .data).")]
    public string? CheckoutRoot { get; set; }

    [Setting("Largest request body of a bulk ingest (tar, tar.gz, zip or JSON batch), in bytes.")]
    [Range(1024L, 4L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    [Setting("Most uncompressed bytes of all files in one upload.")]
    [Range(1024L, 16L * 1024 * 1024 * 1024)]
    public long MaxUploadFilesBytes { get; set; } = 512L * 1024 * 1024;

    [Setting("Most files in one upload.")]
    [Range(1, 1_000_000)]
    public int MaxFilesPerUpload { get; set; } = 20_000;

    [Setting("Largest single file the library takes, in bytes (uploads, archive entries, checkins).")]
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = 4 * 1024 * 1024;

    [Setting("File activities in flight at once per bulk ingest run.")]
    [Range(1, 1000)]
    public int IngestParallelism { get; set; } = 32;

    [Setting("Attempts per file of a bulk ingest before it is reported as failed.")]
    [Range(1, 100)]
    public int IngestMaxAttempts { get; set; } = 5;

    [Setting("Delay before a file's second attempt; it doubles with each further attempt, up to 30 s.")]
    public TimeSpan IngestFirstRetry { get; set; } = TimeSpan.FromSeconds(1);

    [Setting("Files per search-indexing activity of a run (each is one upsert into the search engine; a slice is indexed as soon as its files are stored).")]
    [Range(1, 100_000)]
    public int IndexBatch { get; set; } = 100;
}

/// <summary>The archive database the library and chat mirror to (optional).</summary>
[SettingsSection("ConnectionStrings")]
public sealed class ArchiveConnectionSettings
{
    [Setting("PostgreSQL connection string (Npgsql format) of the archive database (append-only copies of skill file versions and chat messages). Unset: no mirror.",
        Secret = true)]
    public string? Archive { get; set; }
}
