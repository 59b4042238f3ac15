using Hearth.Adapters.Fal;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests;

public sealed class FalJwksCacheTests
{
    [Fact]
    public async Task Many_verifications_fetch_the_keys_once()
    {
        await using var kit = await FalTestKit.StartAsync();
        var body = FakeFalServer.SuccessWebhookBody("r1", [new Uri(kit.Fake.BaseUrl, "/files/r1/0.png")]);

        var verifications = Enumerable.Range(0, 20).Select(_ => kit.VerifyAsync(kit.Fake.Sign("r1", body)));
        var results = await Task.WhenAll(verifications);

        Assert.All(results, r => Assert.IsType<WebhookVerification.Verified>(r));
        Assert.Equal(1, kit.Fake.JwksFetches);
        Assert.Equal(1, kit.Jwks.FetchCount);
    }

    [Fact]
    public async Task Keys_are_fetched_again_once_the_cache_duration_has_passed()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.JwksCacheDuration = TimeSpan.FromHours(6));
        await kit.Jwks.GetKeysAsync(CancellationToken.None);

        kit.Clock.Advance(TimeSpan.FromHours(6) - TimeSpan.FromSeconds(1));
        await kit.Jwks.GetKeysAsync(CancellationToken.None);
        Assert.Equal(1, kit.Fake.JwksFetches);

        kit.Clock.Advance(TimeSpan.FromSeconds(1));
        await kit.Jwks.GetKeysAsync(CancellationToken.None);
        Assert.Equal(2, kit.Fake.JwksFetches);
    }

    [Fact]
    public async Task The_default_cache_lasts_24_hours()
    {
        await using var kit = await FalTestKit.StartAsync();
        await kit.Jwks.GetKeysAsync(CancellationToken.None);
        kit.Clock.Advance(TimeSpan.FromHours(23));
        await kit.Jwks.GetKeysAsync(CancellationToken.None);
        Assert.Equal(1, kit.Fake.JwksFetches);
        kit.Clock.Advance(TimeSpan.FromHours(1));
        await kit.Jwks.GetKeysAsync(CancellationToken.None);
        Assert.Equal(2, kit.Fake.JwksFetches);
    }

    [Fact]
    public async Task A_forced_refresh_is_rate_limited()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.JwksMinRefreshInterval = TimeSpan.FromMinutes(5));
        Assert.NotNull(await kit.Jwks.TryRefreshAsync(CancellationToken.None));
        Assert.Null(await kit.Jwks.TryRefreshAsync(CancellationToken.None));
        kit.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull(await kit.Jwks.TryRefreshAsync(CancellationToken.None));
        Assert.Equal(2, kit.Fake.JwksFetches);
    }

    [Fact]
    public async Task A_key_endpoint_that_keeps_failing_is_tried_once_more_then_not_called_until_the_break_ends()
    {
        await using var kit = await FalTestKit.StartAsync(o =>
        {
            o.MaxRetries = 1;
            o.BreakAfter = 4;
            o.BreakDuration = TimeSpan.FromSeconds(30);
        });
        kit.Fake.Behavior.Unavailable = FakeFalEndpoint.Jwks;

        // A 503 is tried once more; the fourth failure in the minute opens the circuit.
        for (var webhook = 0; webhook < 2; webhook++)
            Assert.Contains("503", (await Assert.ThrowsAsync<FalKeysUnavailableException>(() => kit.Jwks.GetKeysAsync(CancellationToken.None).AsTask())).Message);
        Assert.Equal(4, kit.Fake.JwksFetches);

        // Webhooks arriving now get "unavailable" at once (Fal delivers them again later) and Fal's endpoint is left alone.
        for (var webhook = 0; webhook < 5; webhook++)
            Assert.Contains("not fetched", (await Assert.ThrowsAsync<FalKeysUnavailableException>(() => kit.Jwks.GetKeysAsync(CancellationToken.None).AsTask())).Message);
        Assert.Equal(4, kit.Fake.JwksFetches);

        kit.Fake.Behavior.Unavailable = FakeFalEndpoint.None;
        kit.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(kit.Fake.PublicKey, Assert.Single(await kit.Jwks.GetKeysAsync(CancellationToken.None)));
        Assert.Equal(5, kit.Fake.JwksFetches);
    }

    [Fact]
    public async Task The_fake_publishes_its_key_and_a_key_of_another_type_which_is_skipped()
    {
        await using var kit = await FalTestKit.StartAsync();
        var keys = await kit.Jwks.GetKeysAsync(CancellationToken.None);
        Assert.Equal(kit.Fake.PublicKey, Assert.Single(keys));
    }

    [Theory]
    [InlineData("""{"keys":[]}""")]
    [InlineData("""{"keys":[{"kty":"OKP","crv":"X25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}""")]
    [InlineData("""{"keys":[{"kty":"OKP","crv":"Ed25519","x":"dG9vIHNob3J0"}]}""")]
    [InlineData("""{"keys":[{"kty":"OKP","crv":"Ed25519","x":"!!!!not+base64url/at=all!!!!!!!!!!!!!!!!!!"}]}""")]
    [InlineData("""{"nothing":true}""")]
    [InlineData("""[1,2,3]""")]
    public void A_key_set_without_usable_ed25519_keys_is_refused(string jwks)
    {
        Assert.Throws<FalKeysUnavailableException>(() => FalJwksCache.Parse(jwks));
    }

    [Fact]
    public void Ed25519_keys_are_read_from_base64url()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)(250 - i)).ToArray(); // bytes that need '-' and '_'
        var x = Convert.ToBase64String(key).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var keys = FalJwksCache.Parse($$"""{"keys":[{"kty":"OKP","crv":"Ed25519","x":"{{x}}","kid":"a"}]}""");
        Assert.Equal(key, Assert.Single(keys));
    }

    [Fact]
    public void A_cache_duration_over_24_hours_is_refused_at_start()
    {
        var options = new FalOptions { JwksCacheDuration = TimeSpan.FromHours(25) };
        var error = Assert.Throws<InvalidOperationException>(() => options.Validate());
        Assert.Contains("Fal:JwksCacheDuration", error.Message);
    }
}
