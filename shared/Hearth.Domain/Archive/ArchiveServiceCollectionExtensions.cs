using Hearth.Chat;
using Hearth.Durable;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Archive;

/// <summary>Registration of the archive mirror.</summary>
public static class ArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IArchiveMirror"/> (always: disabled without a connection string, so producers can ask),
    /// and, when <paramref name="connectionString"/> is set, the archive database, its migrations (applied at start)
    /// and the <c>archive.mirror-turn</c> function that copies chat turns.
    /// </summary>
    public static IServiceCollection AddArchive(this IServiceCollection services, string? connectionString)
    {
        services.AddSingleton(_ => new ArchiveDatabase(connectionString));
        services.AddSingleton<IArchiveMirror>(sp => sp.GetRequiredService<ArchiveDatabase>());
        services.AddSingleton<ArchiveStore>();
        if (string.IsNullOrWhiteSpace(connectionString)) return services;
        services.AddHostedService<ArchiveMigrationService>();
        services.AddDurable().AddFunction<MirrorTurnFunction, TurnCommitted>(ChatQueues.MirrorTurn,
            new RetryPolicy(10, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(5)));
        return services;
    }
}
