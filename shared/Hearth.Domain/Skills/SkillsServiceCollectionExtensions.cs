using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Durable.Tasks;
using Hearth.Skills.Checkout;
using Hearth.Skills.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Skills;

/// <summary>Registration of the skill library: storage, search indexing, bulk ingest, compose, checkout and the mirror.</summary>
public static class SkillsServiceCollectionExtensions
{
    /// <summary>The library's migrations (schema <c>skills</c>).</summary>
    public static MigrationSource Migrations { get; } = new("skills", typeof(SkillLibrary).Assembly, "Hearth.Skills.Migrations.");

    /// <summary>
    /// Registers the library and its durable functions. Needs an <c>NpgsqlDataSource</c>, the search engine
    /// (<c>SearchService</c>), the archive registration (<c>AddArchive</c>) and <c>IOptions&lt;SkillLibraryOptions&gt;</c>
    /// (the host binds it from <c>Skills:*</c>, with <see cref="SkillLibraryOptions.CheckoutRoot"/> made absolute).
    /// </summary>
    public static IServiceCollection AddSkillLibrary(this IServiceCollection services)
    {
        services.AddOptions<SkillLibraryOptions>();
        services.AddMigrations(Migrations);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SkillVersionWriter>();
        services.AddSingleton<SkillSearchIndexer>();
        services.AddSingleton<SkillLibrary>();
        services.AddSingleton<SkillMirror>();
        services.AddSingleton<SkillComposer>();
        services.AddSingleton<SkillIngestRuns>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Companions.IAccountEraser, SkillsAccountEraser>());
        services.AddSingleton(sp => new CheckoutFolder(sp.GetRequiredService<IOptions<SkillLibraryOptions>>().Value.CheckoutRoot
            ?? throw new InvalidOperationException("Skills:CheckoutRoot is not resolved; the host sets its default.")));
        services.AddSingleton(sp => new SkillCheckouts(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<SkillLibrary>(),
            sp.GetRequiredService<CheckoutFolder>(), sp.GetRequiredService<IOptions<SkillLibraryOptions>>().Value.MaxFileBytes, sp.GetRequiredService<TimeProvider>()));

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
