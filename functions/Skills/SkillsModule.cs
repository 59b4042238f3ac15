using Hearth.Archive;
using Hearth.Durable;
using Hearth.Functions.Status;
using Hearth.Skills;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Skills;

/// <summary>
/// The skill library: storage with versions, bulk ingest (orchestrated, with retries and a report), progressive
/// disclosure, search, compose, checkout/checkin, and the optional archive mirror (which chat uses too).
/// </summary>
public static class SkillsModule
{
    public static IHostApplicationBuilder AddSkills(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<SkillsOptions>();
        builder.AddSettings<ArchiveConnectionSettings>();

        // Everything is read when first needed, not here: configuration is only complete once the host is built.
        builder.Services.AddArchive(sp => sp.GetRequiredService<IOptions<ArchiveConnectionSettings>>().Value.Archive);
        builder.Services.AddSkillLibrary(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SkillsOptions>>().Value;
            // Out-of-range values are reported by the settings check before the host listens; clamp so nothing throws first.
            return new SkillLibraryOptions(
                CheckoutRoot(sp.GetRequiredService<FunctionAppRoot>(), options, sp.GetRequiredService<IOptions<DatabaseOptions>>().Value),
                Math.Max(1024, options.MaxFileBytes),
                Math.Clamp(options.IngestParallelism, 1, 1000),
                Math.Max(1, options.IndexBatch),
                new RetryPolicy(Math.Clamp(options.IngestMaxAttempts, 1, 100), options.IngestFirstRetry < TimeSpan.Zero ? TimeSpan.Zero : options.IngestFirstRetry, 2, TimeSpan.FromSeconds(30)));
        });
        builder.Services.AddStatusContributor<SkillsStatus>();
        return builder;
    }

    /// <summary>Skills:CheckoutRoot, or 'checkout' in the data folder (HEARTH_DATA_DIR or .data in the function app root).</summary>
    private static string CheckoutRoot(FunctionAppRoot appRoot, SkillsOptions options, DatabaseOptions database)
    {
        if (!string.IsNullOrWhiteSpace(options.CheckoutRoot)) return Path.GetFullPath(Path.Combine(appRoot.Path, options.CheckoutRoot));
        var data = database.DataDirectory;
        return Path.GetFullPath(Path.Combine(appRoot.Path, string.IsNullOrWhiteSpace(data) ? ".data" : data, "checkout"));
    }
}

/// <summary>The library's size and whether a mirror is configured (no paths, no keys).</summary>
internal sealed class SkillsStatus(Npgsql.NpgsqlDataSource db, IArchiveMirror mirror) : IStatusContributor
{
    public string Name => "skills";

    public Task<object?> DescribeForUserAsync(CancellationToken ct) =>
        Task.FromResult<object?>(new { mirror = mirror.IsEnabled ? "archive" : "off", unicodePathNormalization = SkillPath.NormalizesUnicode });

    public async Task<object?> DescribeAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand("select count(*), coalesce(sum(section_count), 0) from skills.files");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new
        {
            files = reader.GetInt64(0),
            sections = reader.GetInt64(1),
            mirror = mirror.IsEnabled ? "archive" : "off",
            // False under invariant globalization: paths are then not NFC-normalised (see docs/skills.md).
            unicodePathNormalization = SkillPath.NormalizesUnicode,
        };
    }
}
