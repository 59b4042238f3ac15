using System.Reflection;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Durable.Tasks;
using Hearth.Testing.Host;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Functions.Tests;

/// <summary>
/// Issue 17's acceptance: no product orchestration or activity derives from (or is written against) the state-machine
/// engine's types; the product host runs every orchestration and activity on the Durable Task store as
/// Microsoft.DurableTask classes, and the old engine has none registered.
/// </summary>
public sealed class DurableTaskModelTests
{
    /// <summary>The state-machine engine's programming model: what an orchestration of the old engine was written with.</summary>
    private static readonly Type[] OldEngineTypes =
        [typeof(IOrchestration), typeof(Orchestration<,,>), typeof(OrchestrationContext<,,>), typeof(OrchestrationEvent)];

    [Fact]
    public void No_product_type_derives_from_or_is_written_against_the_old_engine_s_orchestration_types()
    {
        var offenders = ProductAssemblies()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => Uses(t).Select(use => $"{t.FullName}: {use}"))
            .ToList();

        Assert.Empty(offenders);
        // The scan does see the product's orchestrators (it would pass vacuously otherwise).
        Assert.Contains(ProductAssemblies().SelectMany(a => a.GetTypes()), t => t.Name == "PictureOrchestration");
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

        // The old engine's registry (internal to Hearth.Durable): no orchestration, no activity; only queue and timer functions.
        var registryType = typeof(DurableOptions).Assembly.GetType("Hearth.Durable.DurableRegistry", throwOnError: true)!;
        var registry = factory.Services.GetRequiredService(registryType);
        var orchestrations = (System.Collections.IEnumerable)registryType.GetProperty("Orchestrations")!.GetValue(registry)!;
        Assert.Empty(orchestrations);
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

    /// <summary>Where <paramref name="type"/> inherits or declares (fields, properties, parameters, returns) an old-engine type.</summary>
    private static IEnumerable<string> Uses(Type type)
    {
        if (IsOld(type.BaseType)) yield return $"derives from {type.BaseType}";
        foreach (var i in type.GetInterfaces().Where(IsOld)) yield return $"implements {i}";
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var field in type.GetFields(all).Where(f => IsOld(f.FieldType))) yield return $"field {field.Name}";
        foreach (var property in type.GetProperties(all).Where(p => IsOld(p.PropertyType))) yield return $"property {property.Name}";
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo m && IsOld(m.ReturnType)) yield return $"{method.Name} returns {m.ReturnType}";
            foreach (var parameter in method.GetParameters().Where(p => IsOld(p.ParameterType))) yield return $"{method.Name} takes {parameter.ParameterType}";
        }
    }

    private static bool IsOld(Type? type)
    {
        if (type is null) return false;
        if (type.HasElementType) return IsOld(type.GetElementType());
        if (type.IsGenericType && type.GetGenericArguments().Any(IsOld)) return true;
        return OldEngineTypes.Any(old => Derives(type, old));
    }

    private static bool Derives(Type type, Type ancestor)
    {
        if (ancestor.IsInterface) return ancestor.IsAssignableFrom(type);
        for (var t = type; t is not null; t = t.BaseType)
            if ((t.IsGenericType ? t.GetGenericTypeDefinition() : t) == ancestor) return true;
        return false;
    }
}
