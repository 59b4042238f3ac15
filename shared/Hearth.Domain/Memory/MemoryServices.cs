using Hearth.Durable;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Memory;

/// <summary>Registration of memory (module <c>memory</c>): indexing, recall, structured memory, summaries, suggestions and imports.</summary>
public static class MemoryServices
{
    public static MigrationSource Migrations { get; } = new("memory", typeof(MemoryServices).Assembly, "Hearth.Memory.Migrations.");

    /// <summary>
    /// Adds memory's services and migrations and registers <see cref="MemoryRecall"/> as the <see cref="IMemoryRecall"/>
    /// (the chat turn's recall). Needs an NpgsqlDataSource, the search engine (<c>AddHearthSearch</c>) and,
    /// for the functions that read conversations, the chat's <c>IConversationReader</c>.
    /// </summary>
    public static IServiceCollection AddHearthMemory(this IServiceCollection services, MemoryOptions options)
    {
        options.Validate();
        return services.AddHearthMemory(_ => options);
    }

    /// <inheritdoc cref="AddHearthMemory(IServiceCollection, MemoryOptions)"/>
    /// <param name="options">Builds the options when first needed (from the final configuration); validated then.</param>
    public static IServiceCollection AddHearthMemory(this IServiceCollection services, Func<IServiceProvider, MemoryOptions> options)
    {
        services.TryAddSingleton(sp =>
        {
            var built = options(sp);
            built.Validate();
            return built;
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MemoryItemStore>();
        services.TryAddSingleton<IAgentSelfDescriptions>(sp => sp.GetRequiredService<MemoryItemStore>());
        services.TryAddSingleton<SummaryStore>();
        services.TryAddSingleton<RuleSummaryWriter>();
        services.TryAddSingleton<RuleSuggestionExtractor>();
        // The model's writers fall back to the rules whenever the model does not answer (none configured, offline, bad JSON).
        services.TryAddSingleton<ISessionSummaryWriter, ModelSummaryWriter>();
        services.TryAddSingleton<ISuggestionExtractor, ModelSuggestionExtractor>();
        services.TryAddSingleton<MemoryCompanionEraser>();
        services.TryAddSingleton<DeletedTurnCleanup>();
        services.TryAddSingleton<ErasedTurnGuard>();
        services.TryAddSingleton<MessageForgetter>();
        services.TryAddSingleton<MemoryPortability>();
        services.TryAddSingleton<TurnIndexer>();
        services.TryAddSingleton<MemoryRetriever>();
        services.TryAddSingleton<SessionSummarizer>();
        services.TryAddSingleton<SuggestionService>();
        services.TryAddSingleton<DocumentImports>();
        services.TryAddSingleton<MemoryRecall>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Companions.ICompanionEraser, MemoryCompanionEraser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Companions.IAccountEraser, MemoryCompanionEraser>());
        services.AddSingleton<IMemoryRecall>(sp => sp.GetRequiredService<MemoryRecall>());
        if (!services.Any(d => d.ImplementationInstance is MigrationSource { Module: "memory" }))
            services.AddMigrations(Migrations);
        return services;
    }
}
