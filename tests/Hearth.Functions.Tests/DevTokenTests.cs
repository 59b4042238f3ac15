using Hearth.Functions.Identity;

namespace Hearth.Functions.Tests;

public sealed class DevTokenTests
{
    [Fact]
    public async Task The_dev_token_is_the_admin_user_dev()
    {
        var result = await new DevTokenVerifier("dev").VerifyAsync("dev");

        Assert.Equal("dev", result.Token!.Subject);
        Assert.Contains("admin", result.Token.Roles);
    }

    [Fact]
    public async Task Dev_colon_name_is_a_separate_non_admin_user()
    {
        var alice = await new DevTokenVerifier("dev").VerifyAsync("dev:alice");
        var bob = await new DevTokenVerifier("dev").VerifyAsync("dev:bob.b-2_x");

        Assert.Equal("dev:alice", alice.Token!.Subject);
        Assert.Empty(alice.Token.Roles);
        Assert.Equal("dev:bob.b-2_x", bob.Token!.Subject);
    }

    [Theory]
    [InlineData("")]
    [InlineData("de")]
    [InlineData("devx")]
    [InlineData("dev:")]
    [InlineData("dev:a b")]
    [InlineData("dev:a/b")]
    [InlineData("other:alice")]
    public async Task Anything_else_is_not_a_dev_token(string token)
    {
        var verifier = new DevTokenVerifier("dev");

        Assert.False(verifier.Recognises(token));
        Assert.False((await verifier.VerifyAsync(token)).Succeeded);
    }

    [Fact]
    public async Task A_configured_dev_token_replaces_the_default_for_both_forms()
    {
        var verifier = new DevTokenVerifier("s3cret");

        Assert.False((await verifier.VerifyAsync("dev")).Succeeded);
        Assert.Equal("dev", (await verifier.VerifyAsync("s3cret")).Token!.Subject);
        Assert.Equal("dev:carol", (await verifier.VerifyAsync("s3cret:carol")).Token!.Subject);
    }
}
