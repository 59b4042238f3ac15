using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Functions.Hosting;
using Hearth.Functions.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Functions.Tests;

/// <summary>The conventions features build on (rate limits, per-endpoint body limits, problems), on endpoints of a small app wired like the host.</summary>
public sealed class ConventionsTests : IAsyncLifetime
{
    private readonly Hearth.Testing.Host.ManualTime _clock = new(new DateTimeOffset(2025, 3, 4, 12, 0, 0, TimeSpan.Zero));
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RateLimits:Chat:PermitLimit"] = "2",
            ["RateLimits:Chat:Window"] = "00:01:00",
            ["RateLimits:Pictures:PermitLimit"] = "0",
            ["Http:MaxRequestBodyBytes"] = "1024",
        });
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.Services.AddSettings<HttpOptions>();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Customize);
        builder.Services.AddExceptionHandler<ExceptionProblems>();
        builder.Services.AddHearthRateLimiter();
        builder.Services.AddRateLimit("Tight", 1, TimeSpan.FromMinutes(10));
        _app = builder.Build();
        _app.UseExceptionHandler();
        _app.UseRouting();
        _app.UseMiddleware<RequestBodyLimitMiddleware>();
        _app.Use((context, next) =>
        {
            // Stands in for authentication: the rate limiter partitions by Hearth's user id claim.
            if (context.Request.Headers["X-Test-User"] is [{ } user])
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(HearthClaims.UserId, user)], "test"));
            return next(context);
        });
        _app.UseRateLimiter();
        _app.MapPost("/chat", () => TypedResults.Ok()).RequireRateLimiting(RateLimits.Chat);
        _app.MapPost("/pictures", () => TypedResults.Ok()).RequireRateLimiting(RateLimits.Pictures);
        _app.MapPost("/tight", () => TypedResults.Ok()).RequireRateLimiting("Tight");
        _app.MapPost("/small", async (HttpRequest request) => TypedResults.Ok((await ReadAllAsync(request)).Length));
        _app.MapPost("/upload", async (HttpRequest request) => TypedResults.Ok((await ReadAllAsync(request)).Length)).WithMaxRequestBody(64 * 1024);
        _app.MapGet("/cursor", IResult () => throw new InvalidCursorException());
        _app.MapGet("/validation", () => Problems.Validation(("text", "must not be empty"), ("text", "must be short"), ("count", "must be positive")));
        _app.MapGet("/not-found", () => Problems.NotFound("agent"));
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<byte[]> ReadAllAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private Task<HttpResponseMessage> PostAsUser(string path, string user, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("X-Test-User", user);
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task A_named_limit_answers_429_with_retry_after_per_user()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/chat", "u1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/chat", "u1")).StatusCode);

        var limited = await PostAsUser("/chat", "u1");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(ProblemTypes.RateLimited, (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/chat", "u2")).StatusCode); // another user has their own budget
    }

    [Fact]
    public async Task Retry_after_is_the_true_wait_until_a_permit_frees_up()
    {
        var start = _clock.GetUtcNow();
        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/chat", "w1")).StatusCode);
        _clock.Now = start.AddSeconds(20);
        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/chat", "w1")).StatusCode);

        _clock.Now = start.AddSeconds(30);
        var limited = await PostAsUser("/chat", "w1");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), limited.Headers.RetryAfter?.Delta);   // the first permit leaves the minute at 60 s
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(30, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Contains("30 s", problem.GetProperty("detail").GetString());

        // Retrying before then is still refused, with the remaining wait; at the moment it said, the request goes through.
        _clock.Now = start.AddSeconds(59.5);
        var again = await PostAsUser("/chat", "w1");
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), again.Headers.RetryAfter?.Delta);
        _clock.Now = start.AddSeconds(60);
        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/chat", "w1")).StatusCode);
        var next = await PostAsUser("/chat", "w1");
        Assert.Equal(TimeSpan.FromSeconds(20), next.Headers.RetryAfter?.Delta);   // now the permit of 20 s is the oldest
    }

    [Fact]
    public async Task A_limit_of_zero_is_off_and_a_feature_can_declare_its_own_limit()
    {
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/pictures", "u3")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PostAsUser("/tight", "u3")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostAsUser("/tight", "u3")).StatusCode);
    }

    [Fact]
    public async Task An_endpoint_may_raise_the_global_body_limit()
    {
        var body = new ByteArrayContent(new byte[10_000]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsUser("/small", "u4", new ByteArrayContent(new byte[10_000]))).StatusCode);
        var upload = await PostAsUser("/upload", "u4", body);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(10_000, await upload.Content.ReadFromJsonAsync<int>());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsUser("/upload", "u4", new ByteArrayContent(new byte[70_000]))).StatusCode);
    }

    [Fact]
    public async Task A_foreign_cursor_is_a_400_validation_problem()
    {
        var response = await _client.GetAsync("/cursor");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.Validation, problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task Problems_helpers_give_stable_types_and_field_errors()
    {
        var validationResponse = await _client.GetAsync("/validation");
        Assert.Equal(HttpStatusCode.BadRequest, validationResponse.StatusCode);
        var validation = await validationResponse.Content.ReadFromJsonAsync<JsonElement>();
        var notFound = await _client.GetAsync("/not-found");

        Assert.Equal(ProblemTypes.Validation, validation.GetProperty("type").GetString());
        Assert.Equal(2, validation.GetProperty("errors").GetProperty("text").GetArrayLength());
        Assert.Equal(1, validation.GetProperty("errors").GetProperty("count").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        var problem = await notFound.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.NotFound, problem.GetProperty("type").GetString());
        Assert.Equal("The agent was not found.", problem.GetProperty("detail").GetString());
        Assert.True(problem.TryGetProperty("requestId", out _));
    }

    [Fact]
    public void Exceptions_map_to_stable_problem_types()
    {
        Assert.Equal(ProblemTypes.MalformedJson, ExceptionProblems.Classify(new BadHttpRequestException("bad", new JsonException("x"))).Type);
        Assert.Equal(413, ExceptionProblems.Classify(new BadHttpRequestException("big", StatusCodes.Status413PayloadTooLarge)).Status);
        Assert.Equal(ProblemTypes.Validation, ExceptionProblems.Classify(new BadHttpRequestException("Required parameter missing")).Type);
        Assert.Equal(401, ExceptionProblems.Classify(new UnauthenticatedException()).Status);
        Assert.Equal(503, ExceptionProblems.Classify(new SigningKeysUnavailableException("down")).Status);
        Assert.Equal(503, ExceptionProblems.Classify(new Npgsql.NpgsqlException("down", new System.Net.Sockets.SocketException())).Status);
        var internalError = ExceptionProblems.Classify(new InvalidOperationException("secret detail"));
        Assert.Equal(500, internalError.Status);
        Assert.DoesNotContain("secret detail", internalError.Detail);
    }
}
