using System.Text;
using Hearth.Adapters.Fal;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests;

public sealed class FalWebhookVerifierTests
{
    private const string RequestId = "7a3c1f0e-0000-4000-8000-000000000001";

    private static byte[] Success(FalTestKit kit) =>
        FakeFalServer.SuccessWebhookBody(RequestId, [new Uri(kit.Fake.BaseUrl, "/files/x/0.png")]);

    [Fact]
    public async Task A_correctly_signed_webhook_is_verified_and_read()
    {
        await using var kit = await FalTestKit.StartAsync();
        var result = await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit)));

        var verified = Assert.IsType<WebhookVerification.Verified>(result);
        Assert.Equal(RequestId, verified.RequestId);
        Assert.Equal(ImageJobOutcomeKind.Succeeded, verified.Outcome.Kind);
        var image = Assert.Single(verified.Outcome.Images);
        Assert.Equal(new Uri(kit.Fake.BaseUrl, "/files/x/0.png"), image.Url);
        Assert.Equal("image/png", image.ContentType);
        Assert.Equal(16, image.Width);
    }

    [Fact]
    public async Task An_error_webhook_is_verified_as_a_failure_with_fals_reason()
    {
        await using var kit = await FalTestKit.StartAsync();
        var body = FakeFalServer.ErrorWebhookBody(RequestId, "Invalid status code: 422", "field required");
        var verified = Assert.IsType<WebhookVerification.Verified>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, body)));

        Assert.Equal(ImageJobOutcomeKind.Failed, verified.Outcome.Kind);
        Assert.Equal("Invalid status code: 422 (body.prompt: field required)", verified.Outcome.Error);
        Assert.Empty(verified.Outcome.Images);
    }

    [Fact]
    public async Task A_payload_error_says_the_result_must_be_read_from_the_queue()
    {
        await using var kit = await FalTestKit.StartAsync();
        var body = FakeFalServer.PayloadErrorWebhookBody(RequestId, "Response payload is not JSON serializable");
        var verified = Assert.IsType<WebhookVerification.Verified>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, body)));

        Assert.Equal(ImageJobOutcomeKind.ResultNotDelivered, verified.Outcome.Kind);
        Assert.Contains("Response payload is not JSON serializable", verified.Outcome.Error);
    }

    [Fact]
    public async Task A_signature_from_a_key_outside_the_jwks_is_rejected()
    {
        await using var kit = await FalTestKit.StartAsync();
        var result = await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit), FakeWebhookSigning.WrongKey));

        var rejected = Assert.IsType<WebhookVerification.Rejected>(result);
        Assert.Contains("does not verify", rejected.Reason);
    }

    [Theory]
    [InlineData(FakeWebhookSigning.StaleTimestamp)]
    [InlineData(FakeWebhookSigning.FutureTimestamp)]
    public async Task A_timestamp_more_than_300_seconds_off_is_rejected(FakeWebhookSigning signing)
    {
        await using var kit = await FalTestKit.StartAsync();
        var result = await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit), signing, skew: TimeSpan.FromSeconds(301)));

        var rejected = Assert.IsType<WebhookVerification.Rejected>(result);
        Assert.Contains("timestamp", rejected.Reason);
        Assert.Equal(0, kit.Fake.JwksFetches); // rejected before any key work
    }

    [Theory]
    [InlineData(FakeWebhookSigning.StaleTimestamp)]
    [InlineData(FakeWebhookSigning.FutureTimestamp)]
    public async Task A_timestamp_within_300_seconds_is_accepted(FakeWebhookSigning signing)
    {
        await using var kit = await FalTestKit.StartAsync();
        var result = await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit), signing, skew: TimeSpan.FromSeconds(300)));

        Assert.IsType<WebhookVerification.Verified>(result);
    }

    [Fact]
    public async Task A_tampered_body_is_rejected()
    {
        await using var kit = await FalTestKit.StartAsync();
        var signed = kit.Fake.Sign(RequestId, Success(kit), FakeWebhookSigning.TamperedBody);
        Assert.NotEqual(Success(kit), signed.Body);

        Assert.IsType<WebhookVerification.Rejected>(await kit.VerifyAsync(signed));
    }

    [Theory]
    [InlineData("X-Fal-Webhook-Request-Id")]
    [InlineData("X-Fal-Webhook-User-Id")]
    [InlineData("X-Fal-Webhook-Timestamp")]
    [InlineData("X-Fal-Webhook-Signature")]
    public async Task A_missing_header_is_rejected_by_name(string header)
    {
        await using var kit = await FalTestKit.StartAsync();
        var signed = kit.Fake.Sign(RequestId, Success(kit));
        var headers = signed.Headers.Where(h => !h.Key.Equals(header, StringComparison.OrdinalIgnoreCase)).ToDictionary();

        var result = await kit.Verifier.VerifyAsync(headers, signed.Body, kit.Clock.Now, CancellationToken.None);

        var rejected = Assert.IsType<WebhookVerification.Rejected>(result);
        Assert.Contains(header, rejected.Reason);
    }

    [Fact]
    public async Task An_unsigned_webhook_is_rejected()
    {
        await using var kit = await FalTestKit.StartAsync();
        Assert.IsType<WebhookVerification.Rejected>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit), FakeWebhookSigning.Unsigned)));
    }

    [Theory]
    [InlineData("not-hex-at-all")]
    [InlineData("zz")]
    public async Task A_malformed_signature_is_rejected(string signature)
    {
        await using var kit = await FalTestKit.StartAsync();
        var signed = kit.Fake.Sign(RequestId, Success(kit));
        var headers = new Dictionary<string, string>(signed.Headers) { ["X-Fal-Webhook-Signature"] = signature.PadRight(128, 'z') };

        Assert.IsType<WebhookVerification.Rejected>(await kit.Verifier.VerifyAsync(headers, signed.Body, kit.Clock.Now, CancellationToken.None));
    }

    [Fact]
    public async Task Header_names_match_whatever_their_case()
    {
        await using var kit = await FalTestKit.StartAsync();
        var signed = kit.Fake.Sign(RequestId, Success(kit));
        // An ordinal dictionary with lower-case names, as a proxy might forward them.
        var lower = signed.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value, StringComparer.Ordinal);

        Assert.IsType<WebhookVerification.Verified>(await kit.Verifier.VerifyAsync(lower, signed.Body, kit.Clock.Now, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_naming_another_request_than_the_signed_header_is_rejected()
    {
        await using var kit = await FalTestKit.StartAsync();
        var body = FakeFalServer.SuccessWebhookBody("another-request", [new Uri(kit.Fake.BaseUrl, "/files/x/0.png")]);

        var rejected = Assert.IsType<WebhookVerification.Rejected>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, body)));
        Assert.Contains("another request", rejected.Reason);
    }

    [Fact]
    public async Task A_signed_body_that_is_not_a_webhook_is_rejected()
    {
        await using var kit = await FalTestKit.StartAsync();
        var rejected = Assert.IsType<WebhookVerification.Rejected>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, Encoding.UTF8.GetBytes("{\"hello\":1}"))));
        Assert.Contains("malformed", rejected.Reason);
    }

    [Fact]
    public async Task The_same_delivery_verifies_every_time_so_idempotency_is_the_receivers_job()
    {
        await using var kit = await FalTestKit.StartAsync();
        var signed = kit.Fake.Sign(RequestId, Success(kit));

        var results = new List<WebhookVerification>();
        for (var i = 0; i < 3; i++) results.Add(await kit.VerifyAsync(signed));

        Assert.All(results, r => Assert.Equal(RequestId, Assert.IsType<WebhookVerification.Verified>(r).RequestId));
    }

    [Fact]
    public async Task After_fal_rotates_its_key_a_new_signature_triggers_one_refresh_and_verifies()
    {
        await using var kit = await FalTestKit.StartAsync();
        Assert.IsType<WebhookVerification.Verified>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit))));
        Assert.Equal(1, kit.Fake.JwksFetches);

        kit.Fake.RotateKey();
        Assert.IsType<WebhookVerification.Verified>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit))));
        Assert.Equal(2, kit.Fake.JwksFetches);
    }

    [Fact]
    public async Task Forged_signatures_cannot_make_us_fetch_keys_more_than_once_per_interval()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.JwksMinRefreshInterval = TimeSpan.FromMinutes(1));
        for (var i = 0; i < 5; i++)
            Assert.IsType<WebhookVerification.Rejected>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit), FakeWebhookSigning.WrongKey)));
        Assert.Equal(2, kit.Fake.JwksFetches); // the first load, then one forced refresh

        kit.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.IsType<WebhookVerification.Rejected>(await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit), FakeWebhookSigning.WrongKey)));
        Assert.Equal(3, kit.Fake.JwksFetches);
    }

    [Theory]
    [InlineData(FakeFalEndpoint.Jwks)]
    public async Task When_the_keys_cannot_be_fetched_the_verdict_is_unavailable_not_rejected(FakeFalEndpoint endpoint)
    {
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.Garbage = endpoint;

        var result = await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit)));

        Assert.Contains("not JSON", Assert.IsType<WebhookVerification.Unavailable>(result).Reason);
    }

    [Fact]
    public async Task When_the_jwks_endpoint_is_down_the_verdict_is_unavailable()
    {
        await using var kit = await FalTestKit.StartAsync(o => o.JwksUrl = new Uri("http://127.0.0.1:1/.well-known/jwks.json"));
        var result = await kit.VerifyAsync(kit.Fake.Sign(RequestId, Success(kit)));
        Assert.IsType<WebhookVerification.Unavailable>(result);
    }
}
