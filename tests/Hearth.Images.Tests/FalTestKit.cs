using Hearth.Adapters.Crypto;
using Hearth.Adapters.Fal;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hearth.Images.Tests;

/// <summary>The real Fal adapter pointed at a fake Fal server.</summary>
public sealed class FalTestKit : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private FalTestKit(FakeFalServer fake, FalOptions options)
    {
        Fake = fake;
        Options = options;
        fake.Clock = Clock;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        Jwks = FalJwksCache.Create(wrapped, Clock, NullLogger<FalJwksCache>.Instance, new HttpClientHandler());
        Verifier = new FalWebhookVerifier(Jwks, new BouncyCastleEd25519(), wrapped, NullLogger<FalWebhookVerifier>.Instance);
        // The client as the host builds it: under Fal's resilience pipeline (tries, per-try timeout, circuit breaker).
        Client = new FalQueueClient(new HttpClient(options.Resilience().CreateHandler(Clock, new HttpClientHandler())), wrapped, Clock);
        Generator = new FalImageGenerator(Client, wrapped);
    }

    public FakeFalServer Fake { get; }

    public FalOptions Options { get; }

    public ManualTime Clock { get; } = new(Start);

    public FalJwksCache Jwks { get; }

    public FalWebhookVerifier Verifier { get; }

    public FalQueueClient Client { get; }

    public FalImageGenerator Generator { get; }

    public static async Task<FalTestKit> StartAsync(Action<FalOptions>? configure = null)
    {
        var fake = await FakeFalServer.StartAsync();
        var options = new FalOptions { Key = fake.ApiKey, QueueBaseUrl = fake.BaseUrl, JwksUrl = fake.JwksUrl };
        configure?.Invoke(options);
        return new FalTestKit(fake, options.Validate());
    }

    public Task<WebhookVerification> VerifyAsync(SignedWebhook webhook) =>
        Verifier.VerifyAsync(webhook.Headers, webhook.Body, Clock.Now, CancellationToken.None);

    public ValueTask DisposeAsync() => Fake.DisposeAsync();
}
