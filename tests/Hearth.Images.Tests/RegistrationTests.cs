using Hearth.Adapters.Fal;
using Hearth.Images.Placeholder;
using Hearth.Media;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hearth.Images.Tests;

public sealed class RegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddImageGeneration(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Without_a_fal_key_the_placeholder_paints()
    {
        using var provider = Build([]);
        var generator = provider.GetRequiredService<IImageGenerator>();
        Assert.IsType<PlaceholderImageGenerator>(generator);
        Assert.True(generator.IsPlaceholder);
    }

    [Fact]
    public void With_a_fal_key_fal_paints_with_configured_urls()
    {
        using var provider = Build(new()
        {
            ["Fal:Key"] = "k",
            ["Fal:QueueBaseUrl"] = "http://127.0.0.1:9999",
            ["Fal:PublicBaseUrl"] = "https://tunnel.example",
            ["Fal:VariationModel"] = "acme/edit",
        });
        Assert.IsType<FalImageGenerator>(provider.GetRequiredService<IImageGenerator>());
        var options = provider.GetRequiredService<IOptions<FalOptions>>().Value;
        Assert.Equal(new Uri("http://127.0.0.1:9999"), options.QueueBaseUrl);
        Assert.Equal("acme/edit", options.VariationModel);
        Assert.True(provider.GetRequiredService<IImageGenerator>().UsesWebhooks);
        Assert.Same(provider.GetRequiredService<FalJwksCache>(), provider.GetRequiredService<FalJwksCache>());
    }

    [Fact]
    public void A_bad_setting_fails_naming_its_key()
    {
        using var provider = Build(new() { ["Fal:Key"] = "k", ["Fal:BasePortraitModel"] = "not a model" });
        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IOptions<FalOptions>>().Value);
        Assert.Contains("Fal:BasePortraitModel", error.Message);
    }

    [Fact]
    public void The_media_store_defaults_its_root_to_the_given_folder()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Media:MaxBytes"] = "5000" }).Build();
        var services = new ServiceCollection();
        services.AddMediaStore(configuration, "/data/media");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<MediaOptions>>().Value;
        Assert.Equal(("/data/media", 5000L), (options.Root, options.MaxBytes));
    }
}
