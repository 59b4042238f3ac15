using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Hearth.Durable.Orchestrations;
using Hearth.Durable.Timers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Hearth.Durable;

/// <summary>Declares what this process runs: queue functions, activities, timer functions and orchestrations.</summary>
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

    /// <summary>An activity as a delegate.</summary>
    public DurableBuilder AddActivity<TInput, TOutput>(string name, Func<TInput, JobContext, CancellationToken, Task<TOutput>> handler, RetryPolicy? retry = null, TimeSpan? timeout = null)
    {
        _registry.Add(new HandlerRegistration(name, JobKind.Activity,
            async (context, ct) => await handler(Read<TInput>(context), context, ct), retry?.Validate(), timeout));
        return this;
    }

    /// <summary>An activity as a class, resolved from a scope per execution.</summary>
    public DurableBuilder AddActivity<THandler, TInput, TOutput>(string name, RetryPolicy? retry = null, TimeSpan? timeout = null)
        where THandler : class, IActivity<TInput, TOutput>
    {
        Services.TryAddScoped<THandler>();
        return AddActivity<TInput, TOutput>(name, (input, context, ct) => context.Services.GetRequiredService<THandler>().RunAsync(input, context, ct), retry, timeout);
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

    /// <summary>An orchestration type; its name defaults to the class name.</summary>
    public DurableBuilder AddOrchestration<TOrchestration>(string? name = null) where TOrchestration : class, IOrchestration
    {
        if (!typeof(IOrchestrationDefinition).IsAssignableFrom(typeof(TOrchestration)))
            throw new ArgumentException($"{typeof(TOrchestration).Name} must derive from Orchestration<TInput, TState, TOutput>.");
        Services.TryAddSingleton<TOrchestration>();
        _registry.Add(new OrchestrationRegistration(name ?? typeof(TOrchestration).Name, typeof(TOrchestration),
            sp => (IOrchestrationDefinition)sp.GetRequiredService<TOrchestration>()));
        return this;
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
        services.AddSingleton<OrchestrationRunner>();
        services.AddSingleton<IJobClient, JobClient>();
        // Keyed as the state-machine engine's own, so a host that adds another engine can route between the two.
        services.AddKeyedSingleton<IOrchestrationClient, OrchestrationClient>(OrchestrationEngines.StateMachine);
        services.AddSingleton(sp => sp.GetRequiredKeyedService<IOrchestrationClient>(OrchestrationEngines.StateMachine));
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
