using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Life;

/// <summary>Registration of the offline life (module <c>life</c>, schema <c>life</c>, after <c>companions</c> and <c>chat</c>).</summary>
public static class LifeServices
{
    public static MigrationSource Migrations { get; } = new("life", typeof(LifeServices).Assembly, "Hearth.Life.Migrations.");

    /// <summary>
    /// Adds <see cref="LifeStore"/>, <see cref="LifeEngine"/>, <see cref="WebhookSender"/>, the webhook channel and the
    /// migrations. Needs the chat services (agents, messages), the model chain, the durable runtime and an HttpClient factory.
    /// </summary>
    public static IServiceCollection AddLife(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<LifeOptions>();
        services.AddOutboundHttp();
        services.TryAddSingleton(sp => new LifeStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationChannel, WebhookNotificationChannel>());
        services.TryAddSingleton(sp => new LifeEngine(
            sp.GetRequiredService<LifeStore>(),
            sp.GetRequiredService<IAgentStore>(),
            sp.GetRequiredService<ILifeEvents>(),
            sp.GetRequiredService<IAgentFeelings>(),
            sp.GetRequiredService<Chat.CompanionWriter>(),
            sp.GetRequiredService<Chat.IAgentMessages>(),
            sp.GetServices<INotificationChannel>(),
            sp.GetRequiredService<IOptions<LifeOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LifeEngine>>()));
        services.TryAddSingleton(sp => new WebhookSender(sp.GetRequiredService<LifeStore>(), sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptions<OutboundOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        if (!services.Any(d => d.ImplementationInstance is MigrationSource { Module: "life" }))
            services.AddMigrations(Migrations);
        return services;
    }
}
