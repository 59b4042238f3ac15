using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Proof.Tests.Security;

/// <summary>
/// The real host as a process, every secret set to a recognisable value, driven through a full flow with failures
/// (a model refusing its key, a model answering 500, Fal refusing submissions, forged tokens and webhooks, a portrait made
/// through Fal and its signed webhook); then its whole log output is scanned for the secrets.
/// </summary>
public sealed class SecretsInLogsTests : IAsyncLifetime
{
    private const string DevToken = "proof-devtoken-SECRET-7f3a9c";
    private const string JwtSecret = "proof-jwt-SECRET-0b1c2d3e4f5a6b7c8d9e0f1a2b";
    private const string FalKey = "proof-fal-SECRET-5e6f7a8b9c0d1e2f";
    private const string WebhookSecret = "proof-webhook-SECRET-9a8b7c6d5e4f3a2b1c0d9e8f";
    private const string MediaKey = "proof-media-SECRET-1a2b3c4d5e6f7a8b9c0d1e2f3a";
    private const string RefusedModelKey = "sk-proof-refused-SECRET-4d5e6f7a8b";
    private const string ModelKey = "sk-proof-model-SECRET-0f9e8d7c6b";

    private readonly string _mediaRoot = Path.Combine(Path.GetTempPath(), "hearth-proof-secrets", Guid.NewGuid().ToString("N")[..10]);
    private FakeFalServer _fal = null!;
    private FakeOpenAiServer _refusing = null!;
    private FakeOpenAiServer _model = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _fal = await FakeFalServer.StartAsync(FalKey);
        _refusing = await FakeOpenAiServer.StartAsync("sk-the-key-it-wants-is-another");
        _model = await FakeOpenAiServer.StartAsync(ModelKey);
        _database = await TestPostgres.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _fal.DisposeAsync();
        await _refusing.DisposeAsync();
        await _model.DisposeAsync();
        try { Directory.Delete(_mediaRoot, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public async Task No_secret_appears_in_the_log_of_a_full_flow_with_failures()
    {
        var port = HostProcess.FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        var databasePassword = new NpgsqlConnectionStringBuilder(_database).Password!;
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = baseUrl.ToString(),
            ["ConnectionStrings__Postgres"] = _database,
            ["Auth__DevToken"] = DevToken,
            ["Logging__Console__FormatterName"] = "json", // as in production, where log lines are collected
            ["Auth__Jwt__Issuer"] = "https://issuer.proof.test",
            ["Auth__Jwt__Audience"] = "hearth",
            ["Auth__Jwt__Secret"] = JwtSecret,
            ["Fal__Key"] = FalKey,
            ["Fal__QueueBaseUrl"] = _fal.BaseUrl.ToString(),
            ["Fal__JwksUrl"] = _fal.JwksUrl.ToString(),
            ["Fal__PublicBaseUrl"] = baseUrl.ToString(),
            ["Fal__WebhookSecret"] = WebhookSecret,
            ["Media__Root"] = _mediaRoot,
            ["Media__SigningKey"] = MediaKey,
            ["Models__Chat__0__Provider"] = "OpenAICompatible",
            ["Models__Chat__0__Endpoint"] = _refusing.V1.ToString(),
            ["Models__Chat__0__Model"] = "refusing-model",
            ["Models__Chat__0__ApiKey"] = RefusedModelKey,
            ["Models__Chat__1__Provider"] = "OpenAICompatible",
            ["Models__Chat__1__Endpoint"] = _model.V1.ToString(),
            ["Models__Chat__1__Model"] = "proof-model",
            ["Models__Chat__1__ApiKey"] = ModelKey,
            ["Models__Retry__FirstDelay"] = "00:00:00.010",
            ["Pictures__SubmitAttempts"] = "2",
            ["Pictures__SubmitRetryInterval"] = "00:00:00.050",
            ["Logging__LogLevel__Default"] = "Debug",
            ["AzureFunctionsJobHost__logging__logLevel__default"] = "Debug",
        };
        string[] secrets = [DevToken, JwtSecret, FalKey, WebhookSecret, MediaKey, RefusedModelKey, ModelKey, databasePassword];

        string output;
        await using (var process = HostProcess.Start(environment))
        {
            await process.WaitUntilReadyAsync(new Uri(baseUrl, "/readyz").ToString(), TimeSpan.FromSeconds(90));
            using var alice = Client(baseUrl, DevToken + ":alice");

            // A portrait through Fal and its signed webhook.
            using var created = await alice.PostAsJsonAsync("/api/agents", new { name = "Ada", timezone = "Europe/Paris", appearancePrompt = "short dark hair" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var agent = await created.Content.ReadFromJsonAsync<JsonElement>();
            var agentId = agent.GetProperty("id").GetString()!;
            var portrait = await FinishedAsync(alice, agent.GetProperty("portraitJobId").GetString()!);
            Assert.Equal("succeeded", portrait.GetProperty("status").GetString());

            // A chat turn: the first model refuses the key, the second answers 500 once, then replies.
            _model.Enqueue(FakeChatReply.Error(500));
            var turn = await (await alice.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text = "Hello Ada!" })).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("proof-model", turn.GetProperty("model").GetString());

            // A picture Fal refuses to take: the job fails with a reason.
            _fal.FailNextSubmits(5, 500);
            using var asked = await alice.PostAsJsonAsync($"/api/agents/{agentId}/images", new { prompt = "at the beach" });
            var failed = await FinishedAsync(alice, (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            Assert.Equal("failed", failed.GetProperty("status").GetString());

            // Forged credentials of every kind.
            using (var forged = Client(baseUrl, DevToken + "x"))
                Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/me")).StatusCode);
            using (var badJwt = Client(baseUrl, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.AAAA"))
                Assert.Equal(HttpStatusCode.Unauthorized, (await badJwt.GetAsync("/api/me")).StatusCode);
            using (var anonymous = new HttpClient { BaseAddress = baseUrl })
            {
                using var webhook = await anonymous.PostAsync($"/api/webhooks/fal?job={failed.GetProperty("id").GetString()}&token=forged",
                    new StringContent("{}", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Unauthorized, webhook.StatusCode);
            }
            // A chunked body (no Content-Length) over the limit is cut off while read, on the real server: 413, nothing stored.
            using (var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"name":"{{new string('x', 2 * 1024 * 1024)}}","timezone":"UTC"}"""))))
            {
                chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agents") { Content = chunked };
                request.Headers.TransferEncodingChunked = true;
                using var tooLarge = await alice.SendAsync(request);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
                Assert.Equal(1, (await alice.GetFromJsonAsync<JsonElement>("/api/agents")).GetProperty("items").GetArrayLength());
            }
            using var admin = Client(baseUrl, DevToken);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/status")).StatusCode);
            var status = await admin.GetStringAsync("/api/status");
            Assert.DoesNotContain(secrets, s => status.Contains(s, StringComparison.Ordinal));

            process.Terminate();
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            output = process.Output;
        }

        // The log is real (JSON lines with the failures in it), and holds no secret, whole or in part.
        Assert.Contains("\"LogLevel\":\"Warning\"", output);
        Assert.Contains("refusing-model", output);
        var found = secrets.Where(s => output.Contains(s, StringComparison.Ordinal) || output.Contains(s[^12..], StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 0, "Secrets in the log: " + string.Join(", ", found.Select(s => s[..6] + "…")));
    }

    private static HttpClient Client(Uri baseUrl, string token)
    {
        var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> FinishedAsync(HttpClient client, string jobId) =>
        await Eventually.ValueAsync(() => client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}"),
            j => j.GetProperty("status").GetString() is "succeeded" or "failed", TimeSpan.FromSeconds(60), $"picture job {jobId} to finish");
}
