using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Search.Local;

/// <summary>A step of a collection's vector job: <paramref name="Batch"/> is the chain's number for this step.</summary>
public sealed record EmbedVectorsMessage(string Collection, int Batch);

/// <summary>
/// The vector job of the local index: a chain of queue jobs, one batch of <see cref="BatchSize"/> documents each, that
/// embeds every row waiting for a vector (a collection moved to another model, or text whose vectors follow) and records
/// progress on the collection (<see cref="PostgresSearchIndex.GetVectorStatusAsync"/>). Each step commits its vectors,
/// its progress and the next step together, so a crash resumes where the last commit left off and a duplicate step does
/// nothing. Started by <see cref="SearchService.EnsureCollectionAsync"/> on first use, by <see cref="VectorCatchUp"/> at
/// start and by <c>hearth reindex</c>.
/// </summary>
public static class VectorJobs
{
    /// <summary>Queue (function) name.</summary>
    public const string Queue = "search.embed-vectors";

    /// <summary>Documents per step: long enough to sort by length well, short enough that a lost step costs ~1 s of work.</summary>
    public const int BatchSize = 128;

    /// <summary>Retries: the embedder may be loading or a network provider briefly away; a replica on another model waits for one on the right one.</summary>
    public static readonly RetryPolicy Retry = new(10, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(2));

    /// <summary>Adds the vector job and the start-up catch-up of collections whose model differs from the embedder's.</summary>
    public static DurableBuilder AddVectorJobs(this DurableBuilder durable)
    {
        durable.Services.AddHostedService<VectorCatchUp>();
        return durable.AddFunction<EmbedVectorsFunction, EmbedVectorsMessage>(Queue, Retry, TimeSpan.FromMinutes(10));
    }
}

/// <summary><c>search.embed-vectors</c>: one step of a collection's vector job (see <see cref="VectorJobs"/>).</summary>
public sealed class EmbedVectorsFunction(SearchService search, ILogger<EmbedVectorsFunction> logger) : IQueueFunction<EmbedVectorsMessage>
{
    public async Task RunAsync(EmbedVectorsMessage message, JobContext context, CancellationToken ct)
    {
        if (search.Index is not PostgresSearchIndex index) return;
        VectorStep step;
        try
        {
            step = await index.EmbedVectorsAsync(message.Collection, message.Batch, search.ModelId, search.EmbedForIndexAsync, VectorJobs.BatchSize, ct);
        }
        catch (Exception e) when (e is not (OperationCanceledException or SearchCollectionNotFoundException))
        {
            await index.RecordVectorErrorAsync(message.Collection, $"{e.GetType().Name}: {e.Message}", CancellationToken.None);
            throw;
        }
        if (step.Outcome == VectorStepOutcome.OtherModel)
            throw new InvalidOperationException(
                $"Collection '{message.Collection}' is embedded with another model than this replica's ({search.ModelId}); a replica configured like the collection must run this step.");
        if (step.Outcome == VectorStepOutcome.Continued)
            logger.LogDebug("Collection {Collection}: {Count} vectors written (step {Batch})", message.Collection, step.Embedded, message.Batch);
    }
}

/// <summary>
/// At start, once the database is migrated: every collection of the local index whose model is not the configured
/// embedder's starts re-embedding (searches answer by BM25 meanwhile), and a collection with rows waiting for vectors
/// gets its job again (one that was stopped or died). Runs in the background: the start never waits on it.
/// </summary>
public sealed class VectorCatchUp(SearchService search, DatabaseReadiness readiness, ILogger<VectorCatchUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (search.Index is not PostgresSearchIndex index) return;
        await readiness.WaitAsync(stoppingToken);
        try
        {
            foreach (var status in await index.ListVectorStatusAsync(stoppingToken))
            {
                var started = await search.StartReindexAsync(status.Collection, force: false, stoppingToken);
                if (!started && status.Pending > 0) await index.ResumeVectorJobAsync(status.Collection, stoppingToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The first use of each collection starts its re-embedding too; the start must not fail for this.
            logger.LogWarning(e, "Checking the search collections' embedding models at start failed");
        }
    }
}
