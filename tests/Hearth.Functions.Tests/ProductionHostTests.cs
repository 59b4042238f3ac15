using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Functions.Hosting;
using Hearth.Functions.Tests.Support;
using Hearth.Testing.Host;

namespace Hearth.Functions.Tests;

/// <summary>One host in the Production environment, with an HS256 JWT configuration.</summary>
public sealed class ProductionHost : IAsyncLifetime
{
    public const string DevToken = "production-dev-token-value";

    public HearthFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Factory = await HearthFactory.CreateAsync("Production", new Dictionary<string, string?>
        {
            ["Auth:Jwt:Issuer"] = TestTokens.Issuer,
            ["Auth:Jwt:Audience"] = TestTokens.Audience,
            ["Auth:Jwt:Secret"] = TestTokens.Secret,
            ["Auth:DevToken"] = DevToken,
            ["Auth:AdminSubjects"] = "boss-by-config",
        }, services =>
        {
            TestModule.Register(services);
            FailingUserStore.Decorate(services);
        });
        _ = Factory.Server;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

public sealed class ProductionHostTests(ProductionHost host) : IClassFixture<ProductionHost>
{
    private const string DevToken = ProductionHost.DevToken;
    private HearthFactory _factory => host.Factory;

    private static string Token(string subject, params string[] roles) => TestTokens.Hs256(TestTokens.Claims(subject, DateTimeOffset.UtcNow, roles));

    [Theory]
    [InlineData(DevToken)]
    [InlineData(DevToken + ":alice")]
    [InlineData("dev")]
    [InlineData("dev:alice")]
    public async Task Dev_tokens_are_refused_outside_Development(string token)
    {
        var response = await _factory.ClientWith(token).GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_valid_JWT_signs_in_a_user_created_on_first_sight()
    {
        var client = _factory.ClientWith(Token("prod-user-1"));

        var first = await client.GetFromJsonAsync<JsonElement>("/api/me");
        var second = await client.GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal("prod-user-1", first.GetProperty("subject").GetString());
        Assert.False(first.GetProperty("isAdmin").GetBoolean());
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.True(Guid.TryParse(first.GetProperty("id").GetString(), out _));
    }

    [Fact]
    public async Task Admins_come_from_the_admin_role_or_from_Auth_AdminSubjects()
    {
        Assert.Equal(HttpStatusCode.OK, (await _factory.ClientWith(Token("role-admin", "admin")).GetAsync("/api/admin/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _factory.ClientWith(Token("boss-by-config")).GetAsync("/api/admin/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _factory.ClientWith(Token("plain-user", "reader")).GetAsync("/api/admin/jobs")).StatusCode);
    }

    [Fact]
    public async Task An_expired_or_foreign_JWT_is_401()
    {
        var expired = TestTokens.Claims("late-user", DateTimeOffset.UtcNow.AddHours(-3));
        var foreign = TestTokens.Claims("foreign-user", DateTimeOffset.UtcNow);
        foreign["aud"] = "another-api";

        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.ClientWith(TestTokens.Hs256(expired)).GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.ClientWith(TestTokens.Hs256(foreign)).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Status_shows_what_runs_and_never_a_secret_value()
    {
        var response = await _factory.ClientWith(Token("status-reader", "admin")).GetAsync("/api/status");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var password = new Npgsql.NpgsqlConnectionStringBuilder(_factory.ConnectionString).Password!;
        foreach (var secret in new[] { TestTokens.Secret, DevToken, password, _factory.ConnectionString })
            Assert.DoesNotContain(secret, text);
        Assert.Contains("[redacted]", text); // the leaky test provider was masked, not dropped

        var status = JsonDocument.Parse(text).RootElement;
        Assert.Equal("Production", status.GetProperty("environment").GetString());
        Assert.StartsWith("0.1.0", status.GetProperty("version").GetString());
        Assert.True(status.GetProperty("database").GetProperty("reachable").GetBoolean());
        Assert.True(status.GetProperty("database").GetProperty("migrationsDone").GetBoolean());
        Assert.Equal(JsonValueKind.Number, status.GetProperty("jobs").GetProperty("dead").ValueKind);
        var timer = Assert.Single(status.GetProperty("timers").EnumerateArray(), t => t.GetProperty("name").GetString() == TestModule.NightlyTimer);
        Assert.Equal("0 0 3 * * *", timer.GetProperty("schedule").GetString());
        Assert.Contains(TestModule.FailingFunction, status.GetProperty("functions").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("ApprovalOrchestration", status.GetProperty("orchestrations").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("jwt-hs256", status.GetProperty("providers").GetProperty("auth").GetProperty("modes")[0].GetString());
        Assert.Equal("external", status.GetProperty("providers").GetProperty("database").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Status_counts_jobs_by_state_and_queue_and_dead_jobs()
    {
        var jobs = (Hearth.Durable.Jobs.IJobClient)_factory.Services.GetService(typeof(Hearth.Durable.Jobs.IJobClient))!;
        var id = (await jobs.EnqueueAsync(TestModule.FailingFunction, new TestMessage("x")))!.Value;
        await Hearth.Testing.Eventually.TrueAsync(async () => (await jobs.GetAsync(id))!.State == Hearth.Durable.Jobs.JobState.Dead,
            TimeSpan.FromSeconds(30), "the failing job goes dead");

        var status = await _factory.ClientWith(Token("status-counter", "admin")).GetFromJsonAsync<JsonElement>("/api/status");

        Assert.Equal("admin", status.GetProperty("scope").GetString());
        Assert.True(status.GetProperty("jobs").GetProperty("dead").GetInt64() >= 1);
        Assert.True(status.GetProperty("jobs").GetProperty("byState").GetProperty("Dead").GetInt64() >= 1);
        Assert.Contains(status.GetProperty("jobs").GetProperty("byQueue").EnumerateArray(),
            c => c.GetProperty("queue").GetString() == TestModule.FailingFunction && c.GetProperty("state").GetString() == "Dead");
    }

    [Fact]
    public async Task A_user_who_is_not_an_admin_sees_only_their_own_jobs_and_the_providers_that_serve_them()
    {
        var client = _factory.ClientWith(Token("status-plain"));
        var me = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var jobs = (Hearth.Durable.Jobs.IJobClient)_factory.Services.GetService(typeof(Hearth.Durable.Jobs.IJobClient))!;
        var others = (await jobs.EnqueueAsync(TestModule.FailingFunction, new TestMessage("someone else's")))!.Value;
        var mine = (await jobs.EnqueueAsync(TestModule.FailingFunction, new TestMessage("mine"), new Hearth.Durable.Jobs.EnqueueOptions { Owner = me }))!.Value;
        await Hearth.Testing.Eventually.TrueAsync(async () => (await jobs.GetAsync(mine))!.State == Hearth.Durable.Jobs.JobState.Dead
            && (await jobs.GetAsync(others))!.State == Hearth.Durable.Jobs.JobState.Dead, TimeSpan.FromSeconds(30), "both failing jobs go dead");

        var text = await client.GetStringAsync("/api/status");
        var status = JsonDocument.Parse(text).RootElement;

        Assert.Equal("user", status.GetProperty("scope").GetString());
        Assert.Equal(1, status.GetProperty("jobs").GetProperty("dead").GetInt64());   // theirs, not the server's
        Assert.True(status.GetProperty("database").GetProperty("reachable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("timers").ValueKind);
        Assert.Empty(status.GetProperty("functions").EnumerateArray());
        var providers = status.GetProperty("providers");
        Assert.False(providers.TryGetProperty("database", out _));
        Assert.False(providers.TryGetProperty("auth", out _));
        Assert.True(providers.TryGetProperty("models", out _), "the models that answer them");
        Assert.DoesNotContain(new Npgsql.NpgsqlConnectionStringBuilder(_factory.ConnectionString).Host!, text);
        Assert.DoesNotContain("endpoint", text);
    }

    [Fact]
    public async Task An_unhandled_error_is_a_500_problem_that_leaks_no_internals()
    {
        var response = await _factory.ClientWith(Token(FailingUserStore.ExplodingSubject)).GetAsync("/api/me");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(ProblemTypes.Internal, JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        Assert.DoesNotContain(FailingUserStore.InternalDetail, text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
    }

    [Fact]
    public async Task A_database_outage_is_a_503_problem_with_retry_after()
    {
        var response = await _factory.ClientWith(Token(FailingUserStore.DatabaseDownSubject)).GetAsync("/api/me");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(ProblemTypes.Unavailable, JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.DoesNotContain(FailingUserStore.InternalDetail, text);
    }
}
