using Hearth.Chat;
using Hearth.Durable;
using Hearth.Functions.Documents;
using Hearth.Functions.Status;
using Hearth.Memory;
using Hearth.Search;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Memory;

/// <summary>
/// Memory: the functions that react to chat turns (index, suggestions, summaries), the corpus import orchestration,
/// recall for the chat turn (<see cref="IMemoryRecall"/>) and the APIs of <see cref="MemoryApi"/>.
/// </summary>
public static class MemoryModule
{
    /// <summary>Retries of the turn functions: the embedder or the database may be briefly away.</summary>
    public static readonly RetryPolicy TurnRetry = new(6, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(2));

    public static IHostApplicationBuilder AddMemory(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<MemoryOptions>();                          // Memory:* (the domain's own options, bound once)
        // The routing domains are a list of objects: the configuration binder reads them into the same options.
        builder.Services.AddOptions<MemoryOptions>().Configure<IConfiguration>((options, configuration) =>
            options.Domains = configuration.GetSection("Memory:Domains").Get<List<DomainDefinition>>() ?? []);
        // Read from the final configuration when first needed; the settings check has named any bad key by then (exit 78).
        builder.Services.AddHearthMemory(sp => sp.GetRequiredService<IOptions<MemoryOptions>>().Value);
        // Summaries and suggestions use the chat's model chain when a provider is configured (rules otherwise).
        builder.Services.AddSingleton<IMemoryModel, ChainMemoryModel>();
        builder.Services.AddDurable()
            .AddFunction<IndexTurnFunction, TurnCommitted>(ChatQueues.IndexTurn, TurnRetry)
            .AddFunction<ExtractSuggestionsFunction, TurnCommitted>(ChatQueues.ExtractSuggestions, TurnRetry)
            .AddFunction<SummariseSessionFunction, SessionSummaryRequested>(ChatQueues.SummariseSession, TurnRetry)
            .AddFunction<ForgetMessagesFunction, MessagesDeleted>(ChatQueues.ForgetMessages, TurnRetry)
            .AddDocumentImport();
        builder.Services.AddStatusContributor<MemoryStatusProvider>();
        builder.Services.AddRateLimit(MemoryApi.ImportRateLimit, permitLimit: 10, window: TimeSpan.FromMinutes(1));
        return builder;
    }
}

/// <summary>How memory is set up (no user data): whether summaries and suggestions use a model, the collections.</summary>
internal sealed class MemoryStatusProvider(IMemoryModel model, MemoryOptions options) : IStatusContributor
{
    public string Name => "memory";

    public Task<object?> DescribeForUserAsync(CancellationToken ct) => DescribeAsync(ct);

    public Task<object?> DescribeAsync(CancellationToken ct) => Task.FromResult<object?>(new
    {
        // "model" when the chat's chain has a provider; the rules otherwise (and whenever the model does not answer).
        summaries = UsesModel ? "model" : "rules",
        suggestions = UsesModel ? "model" : "rules",
        domains = options.Domains.Select(d => new { d.Name, d.Collection }).ToList(),
        documentsCollection = options.DocumentsCollection,
    });

    private bool UsesModel => model is not ChainMemoryModel { HasModel: false };
}
