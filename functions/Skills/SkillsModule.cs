using Hearth.Archive;
using Hearth.Durable;
using Hearth.Functions.Status;
using Hearth.Skills;
using Hearth.Skills.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        builder.AddSettings<SkillsTestingOptions>();
        var options = Bind<SkillsOptions>(builder.Configuration);
        var archive = Bind<ArchiveConnectionSettings>(builder.Configuration);
        var testing = Bind<SkillsTestingOptions>(builder.Configuration);

        builder.Services.AddArchive(archive.Archive);
        // Out-of-range values are reported by the settings check before the host listens; clamp so registration itself never throws first.
        builder.Services.AddSkillLibrary(new SkillLibrarySettings(
            CheckoutRoot(builder, options),
            Math.Max(1024, options.MaxFileBytes),
            Math.Clamp(options.IngestParallelism, 1, 1000),
            Math.Max(1, options.IndexBatch),
            new RetryPolicy(Math.Clamp(options.IngestMaxAttempts, 1, 100), options.IngestFirstRetry < TimeSpan.Zero ? TimeSpan.Zero : options.IngestFirstRetry, 2, TimeSpan.FromSeconds(30))));
        if (testing.Enabled && builder.Environment.IsDevelopment())
            builder.Services.Replace(ServiceDescriptor.Singleton<ISkillIngestFaults>(new ConfiguredSkillIngestFaults(testing.FailFirstAttempts, testing.IngestDelay)));
        builder.Services.AddStatusContributor<SkillsStatus>();
        return builder;
    }

    private static T Bind<T>(IConfiguration configuration) where T : class, new()
    {
        var options = new T();
        SettingsBinder.Bind(options, configuration);
        return options;
    }

    /// <summary>Skills:CheckoutRoot, or 'checkout' in the data folder (HEARTH_DATA_DIR or .data in the function app root).</summary>
    private static string CheckoutRoot(IHostApplicationBuilder builder, SkillsOptions options)
    {
        var appRoot = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(FunctionAppRoot))?.ImplementationInstance as FunctionAppRoot
            ?? FunctionAppRoot.Find(builder.Environment.ContentRootPath);
        if (!string.IsNullOrWhiteSpace(options.CheckoutRoot)) return Path.GetFullPath(Path.Combine(appRoot.Path, options.CheckoutRoot));
        var database = Bind<DatabaseOptions>(builder.Configuration);
        var data = string.IsNullOrWhiteSpace(database.DataDirectory) ? ".data" : database.DataDirectory;
        return Path.GetFullPath(Path.Combine(appRoot.Path, data, "checkout"));
    }
}

/// <summary>The library's size and whether a mirror is configured (no paths, no keys).</summary>
internal sealed class SkillsStatus(Npgsql.NpgsqlDataSource db, IArchiveMirror mirror, Hearth.Skills.Checkout.CheckoutFolder checkouts) : IStatusContributor
{
    public string Name => "skills";

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
            checkoutRoot = checkouts.Root,
        };
    }
}
