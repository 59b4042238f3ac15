using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        // Constructor injection: every dependency is a registered contract (the chat's writer and messages included).
        services.TryAddSingleton<LifeStore>();
        services.TryAddSingleton<InitiationStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<INotificationChannel, WebhookNotificationChannel>());
        services.TryAddSingleton<LifeEngine>();
        services.TryAddSingleton<WebhookSender>();
        if (!services.Any(d => d.ImplementationInstance is MigrationSource { Module: "life" }))
            services.AddMigrations(Migrations);
        return services;
    }
}
