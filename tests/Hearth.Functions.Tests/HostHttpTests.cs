using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Functions.Hosting;
using Hearth.Functions.Tests.Support;
using Hearth.Testing.Host;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Functions.Tests;

public sealed class HostHttpTests(FunctionsHost host) : IClassFixture<FunctionsHost>
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
        return problem;
    }

    /// <summary>Every /api endpoint of the running app with a concrete URL and method.</summary>
    private IEnumerable<(string Method, string Url, RouteEndpoint Endpoint)> ApiEndpoints()
    {
        var sources = host.Factory.Services.GetRequiredService<EndpointDataSource>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal) && pattern != "/api") continue;
            var url = System.Text.RegularExpressions.Regex.Replace(pattern, "{[^}]+}", "x1");
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                yield return (method, url, endpoint);
        }
    }

    [Fact]
    public async Task The_app_has_an_icon_for_the_browser_tab()
    {
        using var response = await host.Factory.ClientWith(null).GetAsync("/favicon.ico");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var icon = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, icon[..4]); // an icon file whose one image...
        Assert.Equal("PNG"u8.ToArray(), icon[23..26]); // ...is a PNG
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_with_the_malformed_json_type()
    {
        var response = await host.Admin.PostAsync("/api/orchestrations/x1/events/approve",
            new StringContent("{\"unterminated\": ", Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedJson);
        Assert.DoesNotContain("unterminated", problem.GetRawText()); // the body is not echoed
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_problem()
    {
        var body = new ByteArrayContent(new byte[1024 * 1024 + 1]);
        body.Headers.ContentType = new("application/json");

        var response = await host.Admin.PostAsync("/api/orchestrations/x1/events/approve", body);

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge);
    }

    [Fact]
    public async Task A_wrong_content_type_is_a_415_problem()
    {
        var response = await host.Admin.PostAsync("/api/orchestrations/x1/events/approve", new StringContent("hello", Encoding.UTF8, "text/plain"));

        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedMediaType);
    }

    [Fact]
    public async Task Every_api_route_answers_401_without_a_token()
    {
        var routes = ApiEndpoints().Where(r => r.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null).ToList();
        Assert.True(routes.Count >= 12, $"only {routes.Count} routes found");

        foreach (var (method, url, _) in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { }) };
            var response = await host.Anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {url} answered {(int)response.StatusCode}");
            await ProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task A_bad_token_is_a_401_that_says_why_without_echoing_the_token()
    {
        var response = await host.Factory.ClientWith("not-a-valid-token-xyz").GetAsync("/api/status");

        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        Assert.DoesNotContain("not-a-valid-token-xyz", problem.GetRawText());
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task An_unknown_api_path_needs_a_token_and_then_is_a_404_problem()
    {
        await ProblemAsync(await host.Anonymous.GetAsync("/api/nothing-here"), HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await ProblemAsync(await host.Admin.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task A_non_admin_gets_403_on_every_admin_route()
    {
        var adminRoutes = ApiEndpoints()
            .Where(r => r.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == Identity.AuthorizationPolicies.Admin))
            .ToList();
        Assert.True(adminRoutes.Count >= 4);
        var user = host.User("not-an-admin");

        foreach (var (method, url, _) in adminRoutes)
        {
            var response = await user.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {url} answered {(int)response.StatusCode}");
            await ProblemAsync(response, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        }
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        var response = await host.Admin.PutAsJsonAsync("/api/me", new { displayName = "x" });

        await ProblemAsync(response, HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed);
    }

    [Fact]
    public async Task Health_probes_are_anonymous()
    {
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous.GetAsync("/healthz")).StatusCode);
        var ready = await host.Anonymous.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.True(ready.GetProperty("migrationsDone").GetBoolean());
    }

    [Fact]
    public async Task The_request_id_is_taken_from_the_caller_or_made_and_is_echoed()
    {
        using var mine = new HttpRequestMessage(HttpMethod.Get, "/api/nothing");
        mine.Headers.Add("X-Request-Id", "req-42.a_b:c");
        var echoed = await host.Anonymous.SendAsync(mine);
        Assert.Equal("req-42.a_b:c", echoed.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("req-42.a_b:c", (await echoed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requestId").GetString());

        using var hostile = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        hostile.Headers.TryAddWithoutValidation("X-Request-Id", "bad id with spaces\"{}");
        var made = (await host.Anonymous.SendAsync(hostile)).Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", made);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_api_route_with_the_bearer_scheme()
    {
        var document = await host.Anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("type").GetString());

        foreach (var (method, _, endpoint) in ApiEndpoints())
        {
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/').TrimEnd('/');
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the OpenAPI document");
            var operation = item.GetProperty(method.ToLowerInvariant());
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()), $"{method} {path} has no name");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
            Assert.True(operation.GetProperty("tags").GetArrayLength() > 0, $"{method} {path} has no tag");
            var responses = operation.GetProperty("responses");
            Assert.True(new[] { "200", "201", "202", "204" }.Any(code => responses.TryGetProperty(code, out _)), $"{method} {path} has no success response");
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
            {
                Assert.True(operation.TryGetProperty("security", out _), $"{method} {path} does not say it needs a bearer token");
                Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path} does not list 401");
            }
        }
    }

    [Fact]
    public void Log_levels_come_from_host_json()
    {
        var loggers = host.Factory.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Hearth.Anything").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Hearth.Anything").IsEnabled(LogLevel.Debug));
        Assert.False(loggers.CreateLogger("Npgsql.Connection").IsEnabled(LogLevel.Information)); // host.json: "Npgsql": "Warning"
        Assert.True(loggers.CreateLogger("Npgsql.Connection").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public void Every_settings_class_of_the_host_is_registered_and_so_validated_at_start()
    {
        var registered = host.Factory.Services.GetRequiredService<SettingsRegistry>().Types;

        Assert.Equal(SettingsCatalog.OptionsTypes.OrderBy(t => t.FullName), registered.OrderBy(t => t.FullName));
    }

    [Fact]
    public async Task Me_returns_the_user_created_on_first_sight_and_profile_changes_are_validated()
    {
        var client = host.User("profile-user");
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("dev:profile-user", me.GetProperty("subject").GetString());
        Assert.False(me.GetProperty("isAdmin").GetBoolean());
        Assert.Equal("UTC", me.GetProperty("timeZone").GetString());
        Assert.EndsWith("Z", me.GetProperty("createdAt").GetString());

        var bad = await client.PatchAsJsonAsync("/api/me", new { timeZone = "Mars/Olympus" });
        var problem = await ProblemAsync(bad, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("timeZone", out _));

        var changed = await (await client.PatchAsJsonAsync("/api/me", new { timeZone = "Europe/Paris", displayName = "Profile User" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Europe/Paris", changed.GetProperty("timeZone").GetString());
        Assert.Equal(me.GetProperty("id").GetString(), changed.GetProperty("id").GetString());
        var again = await client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("Profile User", again.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task The_dev_token_is_an_admin()
    {
        var me = await host.Admin.GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal("dev", me.GetProperty("subject").GetString());
        Assert.True(me.GetProperty("isAdmin").GetBoolean());
    }
}
