using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Images.Jobs;

/// <summary>Wiring of the picture job store into a host.</summary>
public static class PictureJobsRegistration
{
    /// <summary>The <c>images</c> migrations module (schema <c>images</c>).</summary>
    public static MigrationSource Migrations { get; } = new("images", typeof(PictureJob).Assembly, "Hearth.Images.Migrations.");

    /// <summary>Registers <see cref="PictureJobStore"/> and its migrations. Needs an <c>NpgsqlDataSource</c> in the container.</summary>
    public static IServiceCollection AddPictureJobStore(this IServiceCollection services)
    {
        services.TryAddSingleton<PictureJobStore>();
        services.AddSingleton(Migrations);
        return services;
    }
}
