using Hearth.Durable.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hearth.Media;

/// <summary>Wiring of the media store into a host.</summary>
public static class MediaRegistration
{
    /// <summary>The <c>media</c> migrations module (schema <c>media</c>).</summary>
    public static MigrationSource Migrations { get; } = new("media", typeof(MediaItem).Assembly, "Hearth.Media.Migrations.");

    /// <summary>
    /// Registers <see cref="IMediaStore"/> (local folder), <see cref="ISecretKeyStore"/>, <see cref="MediaUrls"/> and
    /// <see cref="MediaDownloader"/>, binding <c>Media:*</c>; <paramref name="defaultRoot"/> is used when <c>Media:Root</c> is unset.
    /// Needs an <c>NpgsqlDataSource</c> and a <see cref="TimeProvider"/> in the container; add <see cref="Migrations"/> to the migrator.
    /// </summary>
    public static IServiceCollection AddMediaStore(this IServiceCollection services, IConfiguration configuration, string defaultRoot)
    {
        services.AddOptions<MediaOptions>()
            .Bind(configuration.GetSection(MediaOptions.Section))
            .PostConfigure(o => o.Root = string.IsNullOrWhiteSpace(o.Root) ? defaultRoot : o.Root)
            .Validate(o => { o.Validate(); return true; })
            .ValidateOnStart();
        services.AddSingleton<ISecretKeyStore, PostgresSecretKeyStore>();
        services.AddSingleton<IMediaStore, LocalMediaStore>();
        services.AddSingleton<MediaUrls>();
        services.AddHttpClient<MediaDownloader>(client => client.Timeout = Timeout.InfiniteTimeSpan) // the downloader times itself
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxAutomaticRedirections = 5 });
        return services;
    }
}
