using Hearth.Archive;
using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Chat;

/// <summary>Registration of the chat turn, conversations and their migrations (module <c>chat</c>, after <c>companions</c>).</summary>
public static class ChatServices
{
    public static MigrationSource Migrations { get; } = new("chat", typeof(ChatServices).Assembly, "Hearth.Chat.Migrations.");

    /// <summary>
    /// Adds the companions stores, <see cref="ChatTurnService"/>, <see cref="ConversationReader"/> (as
    /// <see cref="IConversationReader"/>, <see cref="IChatPictures"/>, <see cref="IAgentMessages"/>) and <see cref="IAgentPortraits"/>.
    /// The turn needs other features' contracts, which they register (each once): memory's <see cref="IMemoryRecall"/>,
    /// the archive's <see cref="IArchiveMirror"/>, pictures' <c>IPictureJobs</c>, models' <c>IChatModelChain</c>, an
    /// <see cref="IWeatherProvider"/>, the durable runtime and an NpgsqlDataSource.
    /// </summary>
    public static IServiceCollection AddChat(this IServiceCollection services)
    {
        services.AddCompanions();
        services.AddOptions<ChatTurnOptions>();
        services.TryAddSingleton(sp => new ChatStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(sp => new ConversationReader(sp.GetRequiredService<ChatStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IConversationReader>(sp => sp.GetRequiredService<ConversationReader>());
        services.TryAddSingleton<IChatPictures>(sp => sp.GetRequiredService<ConversationReader>());
        services.TryAddSingleton<IAgentMessages>(sp => sp.GetRequiredService<ConversationReader>());
        services.TryAddSingleton<IAgentPortraits, AgentPortraits>();
        services.TryAddSingleton<PersonaGenerator>();
        services.TryAddSingleton<CompanionWriter>();
        services.TryAddSingleton<Lore.LoreStore>();
        services.TryAddSingleton<CoreMemory>();
        services.TryAddSingleton<ICoreMemoryBlocks>(sp => sp.GetRequiredService<CoreMemory>());
        services.TryAddSingleton<Cards.CharacterCards>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, Lore.LoreAccountEraser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, GroupAccountEraser>());
        // Scoped: memory recall (another feature) may be scoped.
        services.TryAddScoped(sp => new ChatTurnService(
            sp.GetRequiredService<ChatStore>(),
            sp.GetRequiredService<IMemoryRecall>(),
            sp.GetRequiredService<Models.IChatModelChain>(),
            sp.GetRequiredService<IWeatherProvider>(),
            sp.GetRequiredService<Durable.Jobs.IJobClient>(),
            sp.GetRequiredService<IArchiveMirror>(),
            sp.GetRequiredService<Images.IPictureJobs>(),
            sp.GetRequiredService<IOptions<ChatTurnOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ChatTurnService>>()));
        if (!services.Any(d => d.ImplementationInstance is MigrationSource { Module: "chat" }))
            services.AddMigrations(Migrations);
        return services;
    }
}
