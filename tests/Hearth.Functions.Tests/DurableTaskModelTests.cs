using System.Reflection;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Tasks;
using Hearth.Testing.Host;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Functions.Tests;

/// <summary>
/// Issue 17's acceptance: the state-machine engine's orchestration runtime is gone (its programming model, its runner
/// and its client), and the product host runs every orchestration and activity on the Durable Task store as
/// Microsoft.DurableTask classes; the job queue runs only queue and timer functions.
/// </summary>
public sealed class DurableTaskModelTests
{
    /// <summary>What an orchestration of the old engine was written with and run by.</summary>
    private static readonly string[] OldEngineTypes =
    [
        "Hearth.Durable.Orchestrations.IOrchestration", "Hearth.Durable.Orchestrations.Orchestration`3",
        "Hearth.Durable.Orchestrations.OrchestrationContext`3", "Hearth.Durable.Orchestrations.OrchestrationEvent",
        "Hearth.Durable.Orchestrations.OrchestrationRunner", "Hearth.Durable.Orchestrations.OrchestrationClient",
        "Hearth.Durable.Jobs.IActivity`2",
    ];

    [Fact]
    public void The_old_engine_s_orchestration_runtime_is_gone()
    {
        var durable = typeof(DurableOptions).Assembly;
        Assert.All(OldEngineTypes, name => Assert.Null(durable.GetType(name)));
        // What stays: the management contract the product uses, implemented by the Durable Task store.
        Assert.NotNull(durable.GetType("Hearth.Durable.Orchestrations.IOrchestrationClient"));
        Assert.Contains(ProductAssemblies().SelectMany(a => a.GetTypes()), t => t.Name == "PictureOrchestration" && Derives(t, typeof(TaskOrchestrator<,>)));
    }

    [Fact]
    public async Task The_product_host_registers_its_orchestrations_and_activities_on_the_task_store_only()
    {
        await using var factory = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:enabled"] = "false",
        });
        var tasks = factory.Services.GetRequiredService<TaskRegistry>();

        Assert.Equal(
            ["DocumentImport", "LifeSlot", "PictureJob", "SkillIngestOrchestration"],
            tasks.Orchestrators.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.All(tasks.Orchestrators.Values, t => Assert.True(Derives(t, typeof(TaskOrchestrator<,>)), $"{t.Name} is not a TaskOrchestrator"));
        Assert.NotEmpty(tasks.Activities);
        Assert.All(tasks.Activities.Values, t => Assert.True(Derives(t, typeof(TaskActivity<,>)), $"{t.Name} is not a TaskActivity"));

        // The job queue's registry (internal to Hearth.Durable): only queue and timer functions.
        var registryType = typeof(DurableOptions).Assembly.GetType("Hearth.Durable.DurableRegistry", throwOnError: true)!;
        var registry = factory.Services.GetRequiredService(registryType);
        var handlers = ((System.Collections.IEnumerable)registryType.GetProperty("Handlers")!.GetValue(registry)!).Cast<object>()
            .Select(pair => pair.GetType().GetProperty("Value")!.GetValue(pair)!)
            .ToList();
        Assert.NotEmpty(handlers); // the job queue's functions are still there
        Assert.DoesNotContain(handlers, h => (JobKind)h.GetType().GetProperty("Kind")!.GetValue(h)! == JobKind.Activity);
    }

    /// <summary>The host and every Hearth library it loads, except the two engines themselves.</summary>
    private static List<Assembly> ProductAssemblies()
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var queue = new Queue<Assembly>([typeof(Program).Assembly]);
        while (queue.TryDequeue(out var assembly))
        {
            if (!found.TryAdd(assembly.GetName().Name!, assembly)) continue;
            foreach (var reference in assembly.GetReferencedAssemblies())
                if (reference.Name!.StartsWith("Hearth.", StringComparison.Ordinal) && !found.ContainsKey(reference.Name))
                    queue.Enqueue(Assembly.Load(reference));
        }
        return found.Values
            .Where(a => a.GetName().Name is not ("Hearth.Durable" or "Hearth.Durable.Tasks"))
            .ToList();
    }

    private static bool Derives(Type type, Type ancestor)
    {
        if (ancestor.IsInterface) return ancestor.IsAssignableFrom(type);
        for (var t = type; t is not null; t = t.BaseType)
            if ((t.IsGenericType ? t.GetGenericTypeDefinition() : t) == ancestor) return true;
        return false;
    }
}
