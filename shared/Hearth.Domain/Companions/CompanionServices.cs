using Hearth.Durable;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Companions;

/// <summary>Registration of the companions stores and their migrations (module <c>companions</c>, schema <c>companions</c>).</summary>
public static class CompanionServices
{
    public static MigrationSource Migrations { get; } = new("companions", typeof(CompanionServices).Assembly, "Hearth.Companions.Migrations.");

    /// <summary>Adds <see cref="IAgentStore"/>, <see cref="ILifeEvents"/>, <see cref="IAgentFeelings"/>, the offline weather, and the migrations. Needs an NpgsqlDataSource.</summary>
    public static IServiceCollection AddCompanions(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentStore, AgentStore>();
        services.TryAddSingleton<IAgentFeelings, AgentFeelingsStore>();
        services.TryAddSingleton<ILifeEvents, LifeEventStore>();
        services.TryAddSingleton<IWeatherProvider, SeasonalWeather>();
        services.TryAddSingleton<CompanionDeletion>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, CompanionAccountEraser>());
        if (!services.Any(d => d.ImplementationInstance is MigrationSource { Module: "companions" }))
            services.AddMigrations(Migrations);
        return services;
    }
}
