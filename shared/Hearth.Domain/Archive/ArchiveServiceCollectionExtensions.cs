using Hearth.Chat;
using Hearth.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Archive;

/// <summary>Registration of the archive mirror.</summary>
public static class ArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IArchiveMirror"/> (enabled when <paramref name="connectionString"/> gives a connection string
    /// once configuration is complete, disabled otherwise — producers ask it before they enqueue), the archive's
    /// migrations (applied at start when enabled) the <c>archive.mirror-turn</c> function that copies chat turns and <c>archive.forget-messages</c>, which erases the copies of deleted messages.
    /// </summary>
    public static IServiceCollection AddArchive(this IServiceCollection services, Func<IServiceProvider, string?> connectionString)
    {
        services.AddSingleton(sp => new ArchiveDatabase(connectionString(sp)));
        services.AddSingleton<IArchiveMirror>(sp => sp.GetRequiredService<ArchiveDatabase>());
        services.AddSingleton<ArchiveStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Companions.ICompanionEraser, ArchiveEraser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Companions.IAccountEraser, ArchiveEraser>());
        services.AddHostedService<ArchiveMigrationService>();
        services.AddDurable().AddFunction<MirrorTurnFunction, TurnCommitted>(ChatQueues.MirrorTurn,
            new RetryPolicy(10, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(5)));
        services.AddDurable().AddFunction<ForgetArchivedMessagesFunction, MessagesDeleted>(ChatQueues.ForgetArchivedMessages,
            new RetryPolicy(10, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(5)));
        return services;
    }
}
