using Hearth.Adapters.Crypto;
using Hearth.Images;
using Hearth.Images.Placeholder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Adapters.Fal;

/// <summary>Wiring of image generation into a host.</summary>
public static class FalRegistration
{
    /// <summary>
    /// Binds <c>Fal:*</c> and registers <see cref="IImageGenerator"/> (Fal when <c>Fal:Key</c> is set, the placeholder
    /// painter otherwise), <see cref="FalQueueClient"/>, <see cref="FalJwksCache"/>, <see cref="IImageWebhookVerifier"/>
    /// and <see cref="FalWebhookUrls"/>. Needs the media store's registration (<c>AddMediaStore</c>) for the generated
    /// webhook secret.
    /// </summary>
    public static IServiceCollection AddImageGeneration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FalOptions>()
            .Bind(configuration.GetSection(FalOptions.Section))
            .Validate(o => { o.Validate(); return true; })
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEd25519Verifier, BouncyCastleEd25519>();

        // Tries, their timeout and the circuit breaker are the resilience handler's (Fal:RequestTimeout, MaxRetries, Break*);
        // the client's own timeout only bounds them all. The handler is made with the first client, so a host without
        // Fal never loads the resilience libraries.
        services.AddHttpClient<FalQueueClient>((sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<FalOptions>>().Value.Resilience().Budget + TimeSpan.FromSeconds(1))
            .AddHttpMessageHandler(sp => sp.GetRequiredService<FalPipeline>().NewHandler());
        services.TryAddSingleton<FalPipeline>();
        services.AddSingleton(sp => FalJwksCache.Create(
            sp.GetRequiredService<IOptions<FalOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FalJwksCache>>()));
        services.AddSingleton<FalWebhookVerifier>();
        services.AddSingleton<IImageWebhookVerifier>(sp => sp.GetRequiredService<FalWebhookVerifier>());
        services.AddSingleton<FalWebhookUrls>();

        services.AddTransient<FalImageGenerator>();
        services.AddSingleton<PlaceholderImageGenerator>();
        services.AddTransient<IImageGenerator>(sp => sp.GetRequiredService<IOptions<FalOptions>>().Value.IsConfigured
            ? sp.GetRequiredService<FalImageGenerator>()
            : sp.GetRequiredService<PlaceholderImageGenerator>());
        return services;
    }
}

/// <summary>
/// Fal's one resilience pipeline, so one circuit: the HTTP client factory renews the client's handlers every few minutes,
/// and each renewed handler wraps this same pipeline.
/// </summary>
internal sealed class FalPipeline(IOptions<FalOptions> options, TimeProvider time, ILogger<FalQueueClient> logger)
{
    private readonly Lazy<Polly.ResiliencePipeline<HttpResponseMessage>> _pipeline = new(() => options.Value.Resilience().Build(time, logger));

    public DelegatingHandler NewHandler() => new Microsoft.Extensions.Http.Resilience.ResilienceHandler(_pipeline.Value);
}
