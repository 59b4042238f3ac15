using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Durable.Tasks;
using Hearth.Skills.Checkout;
using Hearth.Skills.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Hearth.Skills;

/// <summary>How the skill library is set up (the host builds it from its <c>Skills</c> settings when first needed).</summary>
/// <param name="CheckoutRoot">Folder checkouts are written under (<c>&lt;root&gt;/&lt;owner&gt;/&lt;path&gt;</c>).</param>
/// <param name="MaxFileBytes">Largest file the library takes (uploads, checkins).</param>
/// <param name="Parallelism">File activities in flight per bulk ingest run.</param>
/// <param name="IndexBatch">Files per search-indexing activity of a run.</param>
/// <param name="FileRetry">Retry policy of a run's file activities (passed with each call, so it follows configuration).</param>
public sealed record SkillLibraryOptions(string CheckoutRoot, int MaxFileBytes, int Parallelism, int IndexBatch, RetryPolicy FileRetry);

/// <summary>Registration of the skill library: storage, search indexing, bulk ingest, compose, checkout and the mirror.</summary>
public static class SkillsServiceCollectionExtensions
{
    /// <summary>The library's migrations (schema <c>skills</c>).</summary>
    public static MigrationSource Migrations { get; } = new("skills", typeof(SkillLibrary).Assembly, "Hearth.Skills.Migrations.");

    /// <summary>
    /// Registers the library and its durable functions. Needs an <c>NpgsqlDataSource</c>, the search engine
    /// (<c>SearchService</c>) and the archive registration (<c>AddArchive</c>) in the container. <paramref name="options"/>
    /// is called once, when the library is first needed (configuration is complete by then).
    /// </summary>
    public static IServiceCollection AddSkillLibrary(this IServiceCollection services, Func<IServiceProvider, SkillLibraryOptions> options)
    {
        services.AddSingleton(options);
        services.AddMigrations(Migrations);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SkillVersionWriter>();
        services.AddSingleton<SkillSearchIndexer>();
        services.AddSingleton<SkillLibrary>();
        services.AddSingleton<SkillMirror>();
        services.AddSingleton<SkillComposer>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<SkillLibraryOptions>();
            return new SkillIngestOptions(o.Parallelism, o.IndexBatch, o.FileRetry);
        });
        services.AddSingleton<SkillIngestRuns>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Companions.IAccountEraser, SkillsAccountEraser>());
        services.AddSingleton(sp => new CheckoutFolder(sp.GetRequiredService<SkillLibraryOptions>().CheckoutRoot));
        services.AddSingleton(sp => new SkillCheckouts(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<SkillLibrary>(),
            sp.GetRequiredService<CheckoutFolder>(), sp.GetRequiredService<SkillLibraryOptions>().MaxFileBytes, sp.GetRequiredService<TimeProvider>()));

        services.AddDurable()
            .AddFunction<SkillMirror, SkillVersionCommitted>(SkillQueues.Sync, new RetryPolicy(10, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(5)))
            .AddFunction<SkillIndexFunction, SkillIndexRequested>(SkillQueues.Index, new RetryPolicy(8, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(2)));
        // Bulk ingest runs on the Durable Task store; its retries (and attempt numbers) are the orchestrator's.
        services.AddDurableTasks()
            .AddOrchestrator<SkillIngestOrchestration>()
            .AddActivity<IngestFileActivity>(SkillQueues.IngestFile)
            .AddActivity<IndexRunActivity>(SkillQueues.IndexRun)
            .AddActivity<FinishRunActivity>(SkillQueues.FinishRun);
        return services;
    }
}
