using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using System.Net;
using Hearth.Functions.Tests.Support;
using Hearth.Testing.Host;
using Hearth.Testing;
using Hearth.Testing.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Functions.Tests;

/// <summary>The built host as a real process: how it refuses bad settings, where it listens, how it stops.</summary>
public sealed class HostProcessTests : IDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hearth-host-tests", Guid.NewGuid().ToString("N")[..10]);

    public HostProcessTests() => Directory.CreateDirectory(_dir); // not CreateTempSubdirectory: 0700 would lock the postgres user out

    public void Dispose()
    {
        foreach (var pidFile in Directory.GetFiles(_dir, "postmaster.pid", SearchOption.AllDirectories))
        {
            // A server left by a failed test: stop it at once.
            if (int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static Dictionary<string, string> ProductionJwt() => new()
    {
        ["Auth__Jwt__Issuer"] = TestTokens.Issuer,
        ["Auth__Jwt__Audience"] = TestTokens.Audience,
        ["Auth__Jwt__Secret"] = TestTokens.Secret,
    };

    private async Task<(int ExitCode, string Output)> RunToExitAsync(Dictionary<string, string> environment)
    {
        await using var host = HostProcess.Start(environment, _dir);
        var code = await host.WaitForExitAsync(StartBound);
        return (code, host.Output);
    }

    [Fact]
    public async Task Production_without_a_connection_string_exits_non_zero_naming_the_key()
    {
        var environment = ProductionJwt();
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var (code, output) = await RunToExitAsync(environment);

        Assert.Equal(78, code);
        Assert.Contains("Missing setting 'ConnectionStrings:Postgres' (required in Production)", output);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public async Task Production_without_a_JWT_configuration_exits_non_zero_naming_each_key()
    {
        var (code, output) = await RunToExitAsync(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=x;Password=never-printed-password",
        });

        Assert.Equal(78, code);
        Assert.Contains("Missing setting 'Auth:Jwt:Issuer' (required in Production)", output);
        Assert.Contains("Missing setting 'Auth:Jwt:Audience' (required in Production)", output);
        Assert.Contains("Missing setting 'Auth:Jwt:Secret' or 'Auth:Jwt:JwksUrl' (one is required in Production)", output);
        Assert.DoesNotContain("never-printed-password", output);
    }

    [Fact]
    public async Task A_bad_host_json_override_in_the_environment_exits_non_zero_naming_the_key()
    {
        var (code, output) = await RunToExitAsync(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=x;Password=y",
            ["AzureFunctionsJobHost__extensions__queues__batchSize"] = "lots",
        });

        Assert.Equal(78, code);
        Assert.Contains("Invalid setting 'AzureFunctionsJobHost:extensions:queues:batchSize'", output);
    }

    [Fact]
    public async Task A_malformed_local_settings_file_exits_non_zero_naming_it()
    {
        File.Copy(Path.Combine(Path.GetDirectoryName(HostProcess.HostDll)!, "host.json"), Path.Combine(_dir, "host.json"));
        File.WriteAllText(Path.Combine(_dir, "local.settings.json"), "{ \"Values\": { ");

        var (code, output) = await RunToExitAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Development" });

        Assert.Equal(78, code);
        Assert.Contains("local.settings.json", output);
    }

    [Fact]
    public async Task Local_settings_json_beside_host_json_configures_the_database_and_the_port_and_SIGTERM_stops_cleanly()
    {
        var port = HostProcess.FreePort();
        var connection = await TestPostgres.CreateDatabaseAsync();
        File.Copy(Path.Combine(Path.GetDirectoryName(HostProcess.HostDll)!, "host.json"), Path.Combine(_dir, "host.json"));
        File.WriteAllText(Path.Combine(_dir, "local.settings.json"), JsonSerializer.Serialize(new
        {
            IsEncrypted = false,
            Values = new Dictionary<string, string> { ["Auth:DevToken"] = "from-local-settings" },
            Host = new { LocalHttpPort = port },
            ConnectionStrings = new { Postgres = connection },
        }));

        // JSON logs by choice (Development writes text lines unless told otherwise).
        await using var host = HostProcess.Start(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__Console__FormatterName"] = "json",
        }, _dir);
        await host.WaitUntilReadyAsync($"http://localhost:{port}/readyz", StartBound);

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "from-local-settings");
        var status = await http.GetFromJsonAsync<JsonElement>($"http://localhost:{port}/api/status");
        Assert.Equal("external", status.GetProperty("providers").GetProperty("database").GetProperty("kind").GetString());

        // JSON logs carry the request id in the scope of every line of a request (here: the refused token's line).
        using var refused = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{port}/api/status");
        refused.Headers.Add("X-Request-Id", "process-test-request-1");
        refused.Headers.Authorization = new("Bearer", "wrong-token-never-logged");
        await http.SendAsync(refused);
        await WaitUntilAsync(() => Task.FromResult(host.Output.Contains("process-test-request-1")), "no log line carried the request id");
        var line = host.Output.Split('\n').First(l => l.Contains("process-test-request-1"));
        using (var log = JsonDocument.Parse(line))
        {
            Assert.Contains(log.RootElement.GetProperty("Scopes").EnumerateArray(),
                scope => scope.TryGetProperty("RequestId", out var id) && id.GetString() == "process-test-request-1");
        }
        Assert.DoesNotContain("wrong-token-never-logged", host.Output);

        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_malformed_Application_Insights_connection_string_stops_the_start_naming_the_key()
    {
        var (code, output) = await RunToExitAsync(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=x;Database=x",
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "not-a-connection-string",
        });

        Assert.Equal(78, code);
        Assert.Contains("Invalid setting 'APPLICATIONINSIGHTS_CONNECTION_STRING'", output);
        Assert.DoesNotContain("not-a-connection-string", output);
    }

    [Fact]
    public async Task Production_started_from_another_directory_serves_the_web_app_with_the_security_headers_and_HSTS()
    {
        var port = HostProcess.FreePort();
        var environment = ProductionJwt();
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        environment["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync();
        await using var host = HostProcess.Start(environment, _dir);   // a working directory with no wwwroot and no host.json
        await host.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", StartBound);

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        foreach (var path in new[] { "/", "/admin", "/js/chat.js", "/css/app.css" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}\n{host.Output}");
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single());
        }
        Assert.Contains("<title>Hearth</title>", await client.GetStringAsync("/"));
        Assert.DoesNotContain("WebRootPath was not found", host.Output);
    }

    [Fact]
    public async Task Development_prints_where_to_open_the_app_and_how_to_sign_in_then_logs_text_lines()
    {
        var port = HostProcess.FreePort();
        var connection = await TestPostgres.CreateDatabaseAsync();
        await using var host = HostProcess.Start(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}",
            ["ConnectionStrings__Postgres"] = connection,
        }, _dir);
        await host.WaitUntilReadyAsync($"http://localhost:{port}/readyz", StartBound);
        await WaitUntilAsync(() => Task.FromResult(host.Output.Contains("Hearth is ready")), "no start banner");

        Assert.Contains($"Chat:     http://localhost:{port}/", host.Output);
        Assert.Contains($"Admin:    http://localhost:{port}/admin", host.Output);
        Assert.Contains("Auth:DevToken", host.Output);
        Assert.Contains("(ConnectionStrings:Postgres)", host.Output);
        Assert.DoesNotContain("Password", host.Output, StringComparison.OrdinalIgnoreCase);
        var listening = host.Output.Split('\n').First(l => l.Contains("Now listening on", StringComparison.Ordinal));
        Assert.False(listening.TrimStart().StartsWith('{'), $"a JSON log line in Development: {listening}");

        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task SIGTERM_lets_a_running_memory_job_finish_within_the_drain_timeout_and_exits_zero()
    {
        // The suggestion job of a chat turn asks the model (a fake at the HTTP boundary) and gets its answer only after
        // the signal: the host must wait for it, store what it answered, and exit 0.
        await using var model = await FakeOpenAiServer.StartAsync();
        model.Responder = request => request.System.Contains("durable facts", StringComparison.Ordinal)
            ? FakeChatReply.Text("""{"memories":[{"kind":"fact","subject":"home","text":"Lives in Tromsø"}]}""") with { Delay = TimeSpan.FromSeconds(3) }
            : FakeChatReply.Text("Tromsø sounds lovely.");
        var port = HostProcess.FreePort();
        var connection = await TestPostgres.CreateDatabaseAsync();
        await using var host = HostProcess.Start(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Postgres"] = connection,
            ["Auth__DevToken"] = "drain",
            ["Models__Chat__0__Provider"] = "OpenAICompatible",
            ["Models__Chat__0__Endpoint"] = model.V1.ToString(),
            ["Models__Chat__0__Model"] = "drain-model",
            ["AzureFunctionsJobHost__extensions__queues__drainTimeout"] = "00:00:30",
        }, _dir);
        await host.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", StartBound);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "drain:dana");
        using var created = await http.PostAsJsonAsync("/api/agents", new { name = "Wren", timezone = "UTC" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var agent = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var turn = await http.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "I moved to Tromsø last winter." });
        Assert.Equal(HttpStatusCode.OK, turn.StatusCode);

        await using var db = NpgsqlDataSource.Create(connection);
        const string Running = "select count(*) from durable.jobs where queue = 'memory.extract-suggestions' and state = 'running'";
        await WaitUntilAsync(async () => await CountAsync(db, Running) == 1, "the suggestion job never ran");
        Assert.Equal(0, await CountAsync(db, "select count(*) from memory.items")); // still waiting for the model when the signal comes

        host.Terminate();
        var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(60)); // drain timeout 30 s, plus the host's own stop

        Assert.Equal(0, code);
        Assert.Equal(1, await CountAsync(db, "select count(*) from durable.jobs where queue = 'memory.extract-suggestions' and state = 'succeeded'"));
        Assert.Equal(1, await CountAsync(db, "select count(*) from memory.items where subject = 'home' and text = 'Lives in Tromsø'"));
        Assert.DoesNotContain("still running after", host.Output);
    }

    [Fact]
    public async Task Embedded_clusters_run_side_by_side_and_one_left_by_a_killed_host_is_recovered()
    {
        var first = Path.Combine(_dir, "first");
        var second = Path.Combine(_dir, "second");
        var (portA, portB) = (HostProcess.FreePort(), HostProcess.FreePort());
        Dictionary<string, string> Environment(string data, int port) => new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["HEARTH_DATA_DIR"] = data,
        };

        var a = HostProcess.Start(Environment(first, portA), _dir);
        await using var b = HostProcess.Start(Environment(second, portB), _dir);
        await a.WaitUntilReadyAsync($"http://127.0.0.1:{portA}/readyz", StartBound);
        await b.WaitUntilReadyAsync($"http://127.0.0.1:{portB}/readyz", StartBound);
        Assert.True(File.Exists(Path.Combine(first, "pg", "PG_VERSION")));
        Assert.True(File.Exists(Path.Combine(second, "pg", "PG_VERSION")));

        a.Kill(); // no cleanup: its PostgreSQL server keeps running
        await a.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await a.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(first, "pg", "postmaster.pid")));

        await using var again = HostProcess.Start(Environment(first, portA), _dir);
        await again.WaitUntilReadyAsync($"http://127.0.0.1:{portA}/readyz", StartBound);
        Assert.Contains("left running", again.Output);

        again.Terminate();
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(File.Exists(Path.Combine(first, "pg", "postmaster.pid"))); // stopped with the host
        b.Terminate();
        Assert.Equal(0, await b.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(File.Exists(Path.Combine(second, "pg", "postmaster.pid")));
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(30), what);
}
