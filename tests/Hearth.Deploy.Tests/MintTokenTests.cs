using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Deploy.Tests.Deployment;
using Hearth.Testing;
using Hearth.Testing.Host;

namespace Hearth.Deploy.Tests;

/// <summary>The operator's token script mints tokens that the host's own JWT verifier accepts, with the claims asked for.</summary>
public sealed class MintTokenTests : IAsyncLifetime
{
    private const string Issuer = "hearth-deploy-test";
    private const string Audience = "hearth";
    private const string Secret = "k7Qm2Zp9Xw4Rt6Yv1Bn8Lc3Hd5Jf0Gs2a1b2c3d4e5f6a7b8";
    private HearthFactory _host = null!;

    public async Task InitializeAsync()
    {
        // JWTs are verified in Development too once Auth:Jwt is configured; the verifier is the Production one.
        _host = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:Secret"] = Secret,
        });
        _ = _host.Server;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<string> MintAsync(string secret, params string[] arguments)
    {
        await using var script = ChildProcess.Start("sh", [Repository.PathOf("infra/scripts/mint-token.sh"), .. arguments], new Dictionary<string, string?>
        {
            ["HEARTH_JWT_SECRET"] = secret,
            ["AUTH_JWT_ISSUER"] = Issuer,
            ["AUTH_JWT_AUDIENCE"] = Audience,
        });
        Assert.True(await script.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the script finishes");
        Assert.Equal(0, script.ExitCode);
        return script.Output.Trim();
    }

    [Fact]
    public async Task A_minted_admin_token_signs_in_with_its_subject_name_and_role()
    {
        var token = await MintAsync(Secret, "ops-alice", "--admin", "--name", "Alice \"Ops\"", "--hours", "1");

        var me = await _host.ClientWith(token).GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal("ops-alice", me.GetProperty("subject").GetString());
        Assert.Equal("Alice \"Ops\"", me.GetProperty("displayName").GetString());
        Assert.True(me.GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task A_plain_token_is_not_an_admin_and_one_signed_with_another_secret_is_refused()
    {
        var plain = await MintAsync(Secret, "bob");
        var forged = await MintAsync("another-secret-of-enough-length-0123456789", "mallory", "--admin");

        Assert.False((await _host.ClientWith(plain).GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("isAdmin").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.ClientWith(plain).GetAsync("/api/admin/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.ClientWith(forged).GetAsync("/api/me")).StatusCode);
    }
}
