using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Durable.Tasks;

/// <summary>
/// The name-to-class map of orchestrators and activities this process runs (the part of durabletask-dotnet's
/// <c>DurableTaskRegistry</c> that is internal there). Names default to the class name, as in durabletask-dotnet.
/// </summary>
public sealed class TaskRegistry
{
    private readonly Dictionary<string, Type> _orchestrators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Type> _activities = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Type> Orchestrators => _orchestrators;

    public IReadOnlyDictionary<string, Type> Activities => _activities;

    internal void AddOrchestrator(string name, Type type)
    {
        if (!_orchestrators.TryAdd(name, type) && _orchestrators[name] != type)
            throw new ArgumentException($"Two orchestrators are named '{name}': {_orchestrators[name].Name} and {type.Name}.");
    }

    internal void AddActivity(string name, Type type)
    {
        if (!_activities.TryAdd(name, type) && _activities[name] != type)
            throw new ArgumentException($"Two activities are named '{name}': {_activities[name].Name} and {type.Name}.");
    }

    /// <summary>Creates DurableTask.Core's orchestrations through the worker's shim, one orchestrator object per execution.</summary>
    internal INameVersionObjectManager<TaskOrchestration> OrchestrationManager(IServiceProvider services, DurableTaskShimFactory shims)
    {
        var manager = new NameMap<TaskOrchestration>();
        foreach (var (name, type) in _orchestrators)
            manager.Add(new Creator<TaskOrchestration>(name, () =>
                shims.CreateOrchestration(new TaskName(name), (ITaskOrchestrator)ActivatorUtilities.CreateInstance(services, type))));
        return manager;
    }

    /// <summary>Creates DurableTask.Core's activities: each execution resolves its activity in a scope of its own.</summary>
    internal INameVersionObjectManager<TaskActivity> ActivityManager(IServiceScopeFactory scopes, DurableTaskShimFactory shims)
    {
        var manager = new NameMap<TaskActivity>();
        foreach (var (name, type) in _activities)
            manager.Add(new Creator<TaskActivity>(name, () => new ScopedActivity(new TaskName(name), type, scopes, shims)));
        return manager;
    }

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = string.Empty;
            _create = create;
        }

        public override T Create() => _create();
    }

    /// <summary>Lookup by name; versions are not used by Hearth.</summary>
    private sealed class NameMap<T> : INameVersionObjectManager<T>
    {
        private readonly Dictionary<string, ObjectCreator<T>> _creators = new(StringComparer.Ordinal);

        public void Add(ObjectCreator<T> creator) => _creators[creator.Name] = creator;

        public T? GetObject(string name, string? version) => _creators.TryGetValue(name, out var creator) ? creator.Create() : default;
    }

    /// <summary>An activity whose class is created with constructor injection in a fresh scope for every call.</summary>
    private sealed class ScopedActivity(TaskName name, Type type, IServiceScopeFactory scopes, DurableTaskShimFactory shims) : TaskActivity
    {
        public override string Run(TaskContext context, string input) =>
            throw new NotSupportedException("Activities run asynchronously.");

        public override async Task<string> RunAsync(TaskContext context, string input)
        {
            await using var scope = scopes.CreateAsyncScope();
            var activity = (ITaskActivity)ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
            return await shims.CreateActivity(name, activity).RunAsync(context, input);
        }
    }
}
