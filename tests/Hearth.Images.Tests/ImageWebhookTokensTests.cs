using System.Text;
using Hearth.Adapters.Fal;
using Hearth.Media;
using NSubstitute;

namespace Hearth.Images.Tests;

public sealed class ImageWebhookTokensTests
{
    private static readonly ImageWebhookTokens Tokens = new(Encoding.UTF8.GetBytes(new string('w', 32)));

    [Fact]
    public void A_token_is_valid_for_its_job_only()
    {
        var token = Tokens.Create("job-1");
        Assert.Equal(43, token.Length);
        Assert.True(Tokens.Verify("job-1", token));
        Assert.False(Tokens.Verify("job-2", token));
        Assert.False(new ImageWebhookTokens(Encoding.UTF8.GetBytes(new string('x', 32))).Verify("job-1", token));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("has spaces and + / = which are not base64url!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Malformed_tokens_are_refused_without_exceptions(string? token) => Assert.False(Tokens.Verify("job-1", token));

    [Fact]
    public void A_token_with_one_character_changed_is_refused()
    {
        var token = Tokens.Create("job-1");
        var changed = (token[10] == 'A' ? 'B' : 'A') + "";
        Assert.False(Tokens.Verify("job-1", token[..10] + changed + token[11..]));
    }

    [Fact]
    public void A_short_secret_is_refused() => Assert.Throws<ArgumentException>(() => new ImageWebhookTokens(new byte[31]));

    [Fact]
    public async Task Without_a_public_base_url_there_is_no_webhook_and_the_flow_polls()
    {
        var urls = new FalWebhookUrls(Microsoft.Extensions.Options.Options.Create(new FalOptions { WebhookSecret = new string('s', 32) }), Substitute.For<ISecretKeyStore>());
        Assert.Null(await urls.CreateAsync("job-1", CancellationToken.None));
    }

    [Fact]
    public async Task The_webhook_url_sits_under_the_public_base_with_the_jobs_token()
    {
        var options = new FalOptions { PublicBaseUrl = new Uri("https://tunnel.example/hearth/"), WebhookSecret = new string('s', 32) };
        var urls = new FalWebhookUrls(Microsoft.Extensions.Options.Options.Create(options), Substitute.For<ISecretKeyStore>());

        var url = await urls.CreateAsync("job 1", CancellationToken.None);

        var token = new ImageWebhookTokens(Encoding.UTF8.GetBytes(new string('s', 32))).Create("job 1");
        Assert.Equal($"https://tunnel.example/hearth/api/webhooks/fal?job=job%201&token={token}", url!.AbsoluteUri);
    }

    [Fact]
    public async Task Without_a_configured_secret_a_stored_one_is_fetched_once()
    {
        var store = Substitute.For<ISecretKeyStore>();
        store.GetOrCreateAsync(FalWebhookUrls.StoredSecretName, Arg.Any<CancellationToken>()).Returns(new byte[32]);
        var urls = new FalWebhookUrls(Microsoft.Extensions.Options.Options.Create(new FalOptions { PublicBaseUrl = new Uri("https://h.example") }), store);

        var url = await urls.CreateAsync("job-1", CancellationToken.None);
        var token = System.Web.HttpUtility.ParseQueryString(url!.Query)["token"];
        Assert.True(await urls.VerifyTokenAsync("job-1", token, CancellationToken.None));

        await store.Received(1).GetOrCreateAsync(FalWebhookUrls.StoredSecretName, Arg.Any<CancellationToken>());
    }

    [Fact]
    public void A_short_configured_webhook_secret_fails_at_start_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new FalOptions { WebhookSecret = "too-short" }.Validate());
        Assert.Contains("Fal:WebhookSecret", error.Message);
    }
}
