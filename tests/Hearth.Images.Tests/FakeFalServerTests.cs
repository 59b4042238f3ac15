using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hearth.Adapters.Crypto;
using Hearth.Testing.Fakes;

namespace Hearth.Images.Tests;

/// <summary>The fake itself: what later orchestration and chaos tests rely on.</summary>
public sealed class FakeFalServerTests
{
    [Fact]
    public async Task Its_webhooks_are_signed_exactly_as_fal_documents()
    {
        await using var fake = await FakeFalServer.StartAsync();
        var body = Encoding.UTF8.GetBytes("""{"request_id":"r"}""");

        var signed = fake.Sign("r", body);

        var message = $"r\n{FakeFalServer.UserId}\n{signed.Headers["X-Fal-Webhook-Timestamp"]}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        Assert.True(new BouncyCastleEd25519().Verify(fake.PublicKey, Encoding.UTF8.GetBytes(message), Convert.FromHexString(signed.Headers["X-Fal-Webhook-Signature"])));
        Assert.Equal(body, signed.Body);
    }

    [Fact]
    public async Task The_jwks_publishes_the_signing_key_as_okp_ed25519()
    {
        await using var fake = await FakeFalServer.StartAsync();
        using var http = new HttpClient();
        using var json = JsonDocument.Parse(await http.GetStringAsync(fake.JwksUrl));

        var ed = json.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kty").GetString() == "OKP");
        Assert.Equal("Ed25519", ed.GetProperty("crv").GetString());
        var x = ed.GetProperty("x").GetString()!.Replace('-', '+').Replace('_', '/');
        Assert.Equal(fake.PublicKey, Convert.FromBase64String(x.PadRight(x.Length + (4 - x.Length % 4) % 4, '=')));
        Assert.Equal(1, fake.JwksFetches);
    }

    [Fact]
    public async Task A_held_job_completes_and_delivers_only_when_told()
    {
        await using var sink = await WebhookSink.StartAsync();
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.HoldCompletion = true;
        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", new() { ["prompt"] = "x" }, sink.UrlFor("/hook"), CancellationToken.None);

        Assert.Equal(Hearth.Adapters.Fal.FalRequestState.InQueue, (await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None)).State);
        Assert.Empty(sink.Received);

        await kit.Fake.CompleteAsync(submission.RequestId);

        Assert.Single(sink.Received);
        Assert.Equal(Hearth.Adapters.Fal.FalRequestState.Completed, (await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None)).State);
    }

    [Fact]
    public async Task A_job_set_to_never_deliver_sends_no_webhook_and_is_found_by_polling()
    {
        await using var sink = await WebhookSink.StartAsync();
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.WebhookDeliveries = 0;

        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", new() { ["prompt"] = "x" }, sink.UrlFor("/hook"), CancellationToken.None);

        Assert.Equal(Hearth.Adapters.Fal.FalRequestState.Completed, (await kit.Client.GetStatusAsync(submission.StatusUrl, CancellationToken.None)).State);
        Assert.Single((await kit.Client.GetResultAsync(submission.ResponseUrl, CancellationToken.None)).Images);
        Assert.Empty(sink.Received);
        Assert.Empty(kit.Fake.Job(submission.RequestId).Deliveries);
    }

    [Fact]
    public async Task Deliveries_record_the_receivers_answer()
    {
        await using var sink = await WebhookSink.StartAsync();
        sink.ResponseStatus = 503;
        await using var kit = await FalTestKit.StartAsync();
        kit.Fake.Behavior.WebhookDeliveries = 2;

        var submission = await kit.Client.SubmitAsync("fal-ai/flux/dev", new() { ["prompt"] = "x" }, sink.UrlFor("/hook"), CancellationToken.None);
        await kit.Fake.WaitForDeliveriesAsync(submission.RequestId, 2).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(kit.Fake.Job(submission.RequestId).Deliveries, d => Assert.Equal(503, d.StatusCode));
    }

    [Fact]
    public async Task Requests_without_the_key_are_refused_and_recorded()
    {
        await using var fake = await FakeFalServer.StartAsync();
        using var http = new HttpClient();
        var response = await http.PostAsync(new Uri(fake.BaseUrl, "/fal-ai/flux/dev"), new StringContent("{}"));
        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("/fal-ai/flux/dev", Assert.Single(fake.Requests).Path);
    }
}
