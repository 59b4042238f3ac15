using Hearth.Durable;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Identity;

/// <summary>Registration of the users store and its migrations (module <c>identity</c>).</summary>
public static class IdentityServices
{
    public static MigrationSource Migrations { get; } = new("identity", typeof(IdentityServices).Assembly, "Hearth.Identity.Migrations.");

    /// <summary>Adds <see cref="IUserStore"/> (needs an NpgsqlDataSource) and the identity migrations.</summary>
    public static IServiceCollection AddUserStore(this IServiceCollection services)
    {
        services.TryAddSingleton<IUserStore, UserStore>();
        if (!services.Any(d => d.ImplementationInstance is MigrationSource { Module: "identity" }))
            services.AddMigrations(Migrations);
        return services;
    }
}
