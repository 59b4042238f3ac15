using DurableTask.Core;
using Hearth.Durable.Migrations;
using Hearth.Durable.Orchestrations;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable.Tasks;

/// <summary>Declares the orchestrators and activities (Microsoft.DurableTask classes) this process runs.</summary>
public sealed class DurableTasksBuilder(IServiceCollection services, TaskRegistry registry)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>A <see cref="TaskOrchestrator{TInput, TOutput}"/>; named after its class unless <paramref name="name"/> is given.</summary>
    public DurableTasksBuilder AddOrchestrator<TOrchestrator>(string? name = null) where TOrchestrator : class, ITaskOrchestrator
    {
        registry.AddOrchestrator(name ?? typeof(TOrchestrator).Name, typeof(TOrchestrator));
        return this;
    }

    /// <summary>A <see cref="Microsoft.DurableTask.TaskActivity{TInput, TOutput}"/>, created with constructor injection in a scope per call; named after its class unless <paramref name="name"/> is given.</summary>
    public DurableTasksBuilder AddActivity<TActivity>(string? name = null) where TActivity : class, ITaskActivity
    {
        registry.AddActivity(name ?? typeof(TActivity).Name, typeof(TActivity));
        return this;
    }
}

/// <summary>Registration of the Durable Task worker on the PostgreSQL task store.</summary>
public static class DurableTasksServiceCollectionExtensions
{
    /// <summary>
    /// Adds the task store, its migrations, the worker (a hosted <see cref="TaskHubWorker"/>), the <see cref="TaskClient"/>
    /// and the retention purge (once), and returns the builder to declare orchestrators and activities with.
    /// Needs an <c>NpgsqlDataSource</c> in the container.
    /// </summary>
    public static DurableTasksBuilder AddDurableTasks(this IServiceCollection services, Action<TaskStoreOptions>? configure = null)
    {
        if (configure is not null) services.Configure(configure);
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(TaskRegistry))?.ImplementationInstance as TaskRegistry;
        if (existing is not null) return new DurableTasksBuilder(services, existing);

        // The job runtime brings the migration runner and readiness; the task store's migrations run after its own.
        services.AddDurable();
        services.AddMigrations(new MigrationSource("durabletask", typeof(TaskRegistry).Assembly, "Hearth.Durable.Tasks.Migrations."));
        var registry = new TaskRegistry();
        services.AddSingleton(registry);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new PostgresOrchestrationService(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<TaskStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        // One JSON dialect with the job runtime and the API (camelCase, enums as strings): inputs, outputs and custom
        // status read the same whichever engine wrote them.
        services.AddSingleton(new DurableTaskWorkerOptions { DataConverter = new JsonDataConverter(DurableJson.Options) });
        services.AddSingleton(sp => sp.GetRequiredService<DurableTaskWorkerOptions>().DataConverter);
        services.AddSingleton<TaskClient>();
        services.AddSingleton<ActivityShutdown>();
        services.AddSingleton<TaskHubHost>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskHubHost>());
        services.AddHostedService<TaskRetention>();
        // The product's IOrchestrationClient (the management API, the erasers, the features), and the move of what the
        // state-machine engine of earlier versions left in the database.
        services.AddSingleton<IOrchestrationClient, TaskOrchestrationClient>();
        services.AddSingleton<StateMachineUpgrade>();
        services.AddHostedService(sp => sp.GetRequiredService<StateMachineUpgrade>());
        return new DurableTasksBuilder(services, registry);
    }
}

/// <summary>Runs DurableTask.Core's <see cref="TaskHubWorker"/> on the task store for the life of the host.</summary>
public sealed class TaskHubHost(
    PostgresOrchestrationService store,
    TaskRegistry registry,
    DurableTaskWorkerOptions workerOptions,
    IServiceProvider services,
    IServiceScopeFactory scopes,
    DatabaseReadiness readiness,
    IOptions<DurableOptions> durable,
    ActivityShutdown shutdown,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    private TaskHubWorker? _worker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A process that runs no jobs (an API-only host, a CLI) runs no orchestrations or activities either.
        if (!durable.Value.RunWorkers) return;
        await readiness.WaitAsync(cancellationToken);
        store.HandBackCancelledActivitiesAfter(shutdown.Token);
        var shims = new DurableTaskShimFactory(workerOptions, loggers);
        _worker = new TaskHubWorker(
            store,
            registry.OrchestrationManager(services, shims),
            registry.ActivityManager(scopes, shims),
            loggers)
        {
            // Microsoft.DurableTask's shims read failures as FailureDetails (TaskFailedException.FailureDetails).
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        await _worker.StartAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_worker is null) return;
        await _worker.StopAsync(isForced: false).WaitAsync(cancellationToken);
    }

    /// <summary>Stops this worker as a killed process would (no hand-back, no more writes). For tests of recovery.</summary>
    internal void Halt() => store.Halt();

    public void Dispose() => _worker?.Dispose();
}

/// <summary>Purges finished instances (with their history) once they are older than <see cref="TaskStoreOptions.Retention"/>.</summary>
internal sealed class TaskRetention(TaskClient client, IOptions<TaskStoreOptions> options, IOptions<DurableOptions> durable,
    TimeProvider time, DatabaseReadiness readiness, ILogger<TaskRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!durable.Value.RunWorkers) return;
        try
        {
            await readiness.WaitAsync(stoppingToken);
            var every = TimeSpan.FromTicks(Math.Min(options.Value.Retention.Ticks / 10, TimeSpan.FromHours(1).Ticks));
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var purged = await client.PurgeFinishedBeforeAsync(time.GetUtcNow() - options.Value.Retention, stoppingToken);
                    if (purged > 0) logger.LogInformation("Purged {Count} finished orchestrations past retention", purged);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(e, "Purging finished orchestrations failed; trying again later");
                }
                await Task.Delay(every, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
