using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Hearth.Durable.Timers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Hearth.Durable;

/// <summary>Declares what this process runs from the job queue: queue-triggered and timer-triggered functions. (Orchestrations
/// and their activities are declared on the Durable Task store: <c>AddDurableTasks</c> in Hearth.Durable.Tasks.)</summary>
public sealed class DurableBuilder
{
    private readonly DurableRegistry _registry;

    internal DurableBuilder(IServiceCollection services, DurableRegistry registry)
    {
        Services = services;
        _registry = registry;
    }

    public IServiceCollection Services { get; }

    /// <summary>A queue-triggered function as a delegate.</summary>
    public DurableBuilder AddFunction<TMessage>(string name, Func<TMessage, JobContext, CancellationToken, Task> handler, RetryPolicy? retry = null, TimeSpan? timeout = null)
    {
        _registry.Add(new HandlerRegistration(name, JobKind.Function, async (context, ct) =>
        {
            await handler(Read<TMessage>(context), context, ct);
            return null;
        }, retry?.Validate(), timeout));
        return this;
    }

    /// <summary>A queue-triggered function as a class, resolved from a scope per execution.</summary>
    public DurableBuilder AddFunction<THandler, TMessage>(string name, RetryPolicy? retry = null, TimeSpan? timeout = null)
        where THandler : class, IQueueFunction<TMessage>
    {
        Services.TryAddScoped<THandler>();
        return AddFunction<TMessage>(name, (message, context, ct) => context.Services.GetRequiredService<THandler>().RunAsync(message, context, ct), retry, timeout);
    }

    /// <summary>A timer-triggered function with a six-field NCRONTAB schedule (overridable by name in host.json).</summary>
    public DurableBuilder AddTimer(string name, string schedule, Func<TimerInfo, JobContext, CancellationToken, Task> handler, TimeSpan? timeout = null)
    {
        CronSchedule.Parse(schedule);
        _registry.Add(new HandlerRegistration(name, JobKind.Function, async (context, ct) =>
        {
            await handler(Read<TimerInfo>(context), context, ct);
            return null;
        }, RetryPolicy.None, timeout));
        _registry.Add(new TimerRegistration(name, schedule));
        return this;
    }

    /// <summary>A timer-triggered function as a class.</summary>
    public DurableBuilder AddTimer<THandler>(string name, string schedule, TimeSpan? timeout = null) where THandler : class, ITimerFunction
    {
        Services.TryAddScoped<THandler>();
        return AddTimer(name, schedule, (timer, context, ct) => context.Services.GetRequiredService<THandler>().RunAsync(timer, context, ct), timeout);
    }

    private static T Read<T>(JobContext context)
    {
        try
        {
            return context.Payload.Deserialize<T>(DurableJson.Options)!;
        }
        catch (JsonException e)
        {
            throw new PermanentJobFailureException($"The payload of job {context.JobId} is not a {typeof(T).Name}: {e.Message}", e);
        }
    }
}

/// <summary>Registration of the durable runtime.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>
    /// Adds the runtime (once) and returns the builder to declare functions with; call it from every module.
    /// Needs an <c>NpgsqlDataSource</c> in the container. Migrations of the runtime are registered first.
    /// </summary>
    public static DurableBuilder AddDurable(this IServiceCollection services, Action<DurableOptions>? configure = null)
    {
        if (configure is not null) services.Configure(configure);
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(DurableRegistry))?.ImplementationInstance as DurableRegistry;
        if (existing is not null) return new DurableBuilder(services, existing);

        var registry = new DurableRegistry();
        services.AddSingleton(registry);
        services.AddOptions<DurableOptions>().Validate(o => { o.Validate(); return true; });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new MigrationSource("durable", typeof(DurableRegistry).Assembly, "Hearth.Durable.Migrations."));
        services.AddSingleton<DatabaseReadiness>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobNotifier>();
        services.AddSingleton<IJobClient, JobClient>();
        services.AddSingleton<TimerScheduler>();
        services.AddSingleton<JobWorker>();
        services.AddSingleton<IDurableInfo, DurableInfo>();

        // Order matters: migrations complete before anything touches the tables.
        services.AddHostedService<MigrationService>();
        services.AddHostedService(sp => sp.GetRequiredService<JobNotifier>());
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        services.AddHostedService(sp => sp.GetRequiredService<TimerScheduler>());
        services.AddHostedService<Maintenance>();
        return new DurableBuilder(services, registry);
    }

    /// <summary>Adds a module's migrations, applied after the ones registered before it.</summary>
    public static IServiceCollection AddMigrations(this IServiceCollection services, MigrationSource source)
    {
        services.AddSingleton(source);
        return services;
    }
}
