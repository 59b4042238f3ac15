using Hearth.Adapters.Fal;
using Hearth.Durable;
using Hearth.Durable.Tasks;
using Hearth.Functions.Status;
using Hearth.Images;
using Hearth.Images.Jobs;
using Hearth.Media;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Functions.Pictures;

/// <summary>
/// Pictures: the media store (a folder; <c>media/</c> in the data folder unless <c>Media:Root</c> says otherwise), the
/// image generator (Fal with <c>Fal:Key</c>, the placeholder painter without), picture jobs (<see cref="IPictureJobs"/>)
/// and their orchestration, the status line, and the test-only stand-ins. The chat feature provides
/// <see cref="Hearth.Chat.IChatPictures"/> and <see cref="Hearth.Chat.IAgentPortraits"/>.
/// </summary>
public static class PicturesModule
{
    public static IHostApplicationBuilder AddPictures(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<PicturesOptions>();
        builder.AddSettingsCheck<FalOptions>();                      // Fal:* — bound once, by the adapter (AddImageGeneration)
        builder.AddSettingsCheck<MediaOptions>();                    // Media:* — bound once, by the media store (AddMediaStore)

        var services = builder.Services;
        services.AddMediaStore(builder.Configuration, DefaultMediaRoot(builder));
        services.AddMigrations(MediaRegistration.Migrations);
        services.AddImageGeneration(builder.Configuration);
        services.AddPictureJobStore();
        services.AddSingleton<IPictureJobs, PictureJobs>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Hearth.Companions.ICompanionEraser, PictureCompanionEraser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Hearth.Companions.IAccountEraser, PictureCompanionEraser>());
        services.AddTransient<ImageGenerators>();
        services.AddSingleton<PictureReferences>();
        services.AddDurableTasks()
            .AddOrchestrator<PictureOrchestration>(PictureOrchestration.Name)
            .AddPictureActivities();
        services.AddStatusContributor<PicturesStatus>();
        return builder;
    }

    /// <summary><c>media/</c> beside the embedded database: in <c>HEARTH_DATA_DIR</c> (relative to the function app root) or <c>.data/</c>.</summary>
    private static string DefaultMediaRoot(IHostApplicationBuilder builder)
    {
        var root = FunctionAppRoot.Find(builder.Environment.ContentRootPath);
        var database = new DatabaseOptions();
        SettingsBinder.Bind(database, builder.Configuration);
        var data = string.IsNullOrWhiteSpace(database.DataDirectory) ? ".data" : database.DataDirectory;
        return Path.GetFullPath(Path.Combine(root.Path, data, "media"));
    }
}
