using Hearth.Adapters.LocalModels;
using Hearth.Functions.Hosting;
using Microsoft.Extensions.AI;

namespace Hearth.Functions.Search;

/// <summary>
/// Loads the local embedding model in the background once the host has started, so neither the start nor <c>/readyz</c>
/// waits on it (requests that need it meanwhile wait for the same load). A model that cannot be loaded stops the host
/// with a message naming the setting (exit 78): every search and recall would fail without it.
/// </summary>
internal sealed class EmbeddingWarmUp(
    IEmbeddingGenerator<string, Embedding<float>> embedder, IHostApplicationLifetime lifetime, ILogger<EmbeddingWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (embedder.GetService<LocalEmbeddingGenerator>() is not { } local) return;
        try
        {
            await local.WarmUpAsync(stoppingToken);
            logger.LogInformation("Embedding model {Model} loaded in {Elapsed} ms", local.Model, (long)local.LoadTime.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            var message = $"Hearth stopped: the embedding model '{local.Model}' (Models:Embeddings:Model, provider Local) could not be loaded: {e.Message} " +
                "Fix Models:Embeddings:Model or configure another Models:Embeddings:Provider.";
            logger.LogCritical(e, "{Message}", message);
            await Console.Error.WriteLineAsync(message);
            Environment.ExitCode = StartupFailure.SettingsExitCode;
            // Stopping while the server still binds cancels its start, and the host then fails as a crash (exit 70)
            // instead of this message's exit 78: let the start finish, then stop.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await using (stoppingToken.Register(() => started.TrySetResult()))
                await started.Task;
            lifetime.StopApplication();
        }
    }
}
