using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Security;

/// <summary>
/// Every operation of the host's OpenAPI document, called without a token (401), by another user on alice's things (404)
/// and by a non-admin on admin operations (403). The routes come from the document, so a new route is covered the day
/// it is mapped; a route that takes no token must be listed in <see cref="PublicByDesign"/> with the reason.
/// </summary>
public sealed class RouteMatrixTests(SecurityHost host) : IClassFixture<SecurityHost>
{
    /// <summary>Routes anyone may call, and why that is safe.</summary>
    public static readonly IReadOnlyDictionary<string, string> PublicByDesign = new Dictionary<string, string>
    {
        ["GET /healthz"] = "liveness probe of the platform; answers only that the process runs",
        ["GET /readyz"] = "readiness probe of the platform; answers only whether the database is reachable and migrated",
        ["POST /api/webhooks/fal"] = "Fal cannot send a bearer token; each delivery carries a per-job HMAC token and an Ed25519 signature (FalFlowTests)",
        ["GET /media/{id}"] = "pictures in <img> tags: a signed, expiring URL or the owner's token; otherwise 401/404",
        ["HEAD /media/{id}"] = "as GET /media/{id}",
    };

    /// <summary>
    /// Routes that answer another user's resource with an empty 200 rather than 404 (checked to show nothing of alice's);
    /// reported to their owners, listed here so that the matrix still fails on any new one.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> KnownDeviations = new Dictionary<string, string>
    {
    };

    /// <summary>Bodies valid enough that ownership, not validation, decides the answer (operations not listed get {}).</summary>
    internal static readonly IReadOnlyDictionary<string, string> SampleBodies = new Dictionary<string, string>
    {
        ["CreateAgent"] = """{"name":"Eve","timezone":"UTC"}""",
        ["UpdateAgent"] = """{"bio":"changed by someone else"}""",
        ["CreateScenario"] = """{"title":"Intrusion","description":"not yours"}""",
        ["Chat"] = """{"text":"hello, whose agent are you?"}""",
        ["ChatStream"] = """{"text":"hello, whose agent are you?"}""",
        ["RequestPicture"] = """{"prompt":"a stolen selfie"}""",
        ["UpdateMe"] = """{"displayName":"Bob"}""",
        ["TerminateOrchestration"] = """{"reason":"not yours"}""",
        ["ReplaceSkillSection"] = "# Replaced by someone else\n",
        ["UpdateMemory"] = """{"text":"changed by someone else"}""",
        ["SelectReply"] = """{"index":0}""",
        ["EditMessage"] = """{"text":"changed by someone else"}""",
        ["GroupChat"] = """{"text":"hello, whose group is this?"}""",
        ["EditGroupMessage"] = """{"text":"changed by someone else"}""",
        ["SelectGroupReply"] = """{"index":0}""",
        ["UpdateCoreMemory"] = """{"text":"written by someone else"}""",
        ["ImportMemory"] = """{"format":"hearth.memory.v1"}""",
        ["AddAgentLoreEntry"] = """{"keys":["intruder"],"content":"written by someone else"}""",
        ["ReplaceAgentLoreEntry"] = """{"keys":["intruder"],"content":"written by someone else"}""",
        ["ReplaceUserLoreEntry"] = """{"keys":["intruder"],"content":"written by someone else"}""",
    };

    private static string Key(ApiOperation operation) => $"{operation.Method} {operation.Path}";

    /// <summary>Alice's value for a path parameter; null when the test does not know the parameter (the test then fails and says so).</summary>
    private static string? AliceValue(ApiOperation operation, string parameter, AliceWorld alice) => (operation.Path, parameter) switch
    {
        (_, "agentId") => alice.AgentId,
        (var p, "messageId") when p.StartsWith("/api/groups/", StringComparison.Ordinal) => alice.GroupReplyId,
        (_, "messageId") => alice.ReplyId,
        (var p, "id") when p.StartsWith("/api/groups/", StringComparison.Ordinal) => alice.GroupId,
        (var p, "entryId") when p.StartsWith("/api/agents/", StringComparison.Ordinal) => alice.AgentLoreEntryId,
        (var p, "entryId") when p.StartsWith("/api/lorebook/", StringComparison.Ordinal) => alice.UserLoreEntryId,
        (_, "scenarioId") => alice.ScenarioId,
        (var p, "id") when p.StartsWith("/api/agents/", StringComparison.Ordinal) => alice.AgentId,
        (_, "jobId") => alice.PictureJobId,
        (var p, "id") when p.StartsWith("/api/orchestrations/", StringComparison.Ordinal) => alice.PictureJobId, // a picture job is its orchestration
        (var p, "name") when p.StartsWith("/api/orchestrations/", StringComparison.Ordinal) => "proof-event",
        (var p, "id") when p.StartsWith("/api/admin/jobs/", StringComparison.Ordinal) => "1",
        (var p, "name") when p.StartsWith("/api/search/collections/", StringComparison.Ordinal) => "memory", // admin routes: a collection is the server's
        (var p, "id") when p.StartsWith("/media/", StringComparison.Ordinal) => alice.MediaId,
        (var p, "id") when p.StartsWith("/api/skills/files/", StringComparison.Ordinal) => alice.SkillFileId,
        (var p, "id") when p.StartsWith("/api/skills/sections/", StringComparison.Ordinal) => alice.SkillSectionId,
        (var p, "id") when p.StartsWith("/api/skills/runs/", StringComparison.Ordinal) => alice.SkillRunId,
        (_, "sessionId") => alice.SessionId,
        (var p, "id") when p.StartsWith("/api/sessions/", StringComparison.Ordinal) => alice.SummaryId,
        (var p, "id") when p.StartsWith("/api/memory/", StringComparison.Ordinal) => alice.MemoryId,
        (var p, "id") when p.StartsWith("/api/documents/imports/", StringComparison.Ordinal) => alice.ImportId,
        (var p, "id") when p.StartsWith("/api/documents/", StringComparison.Ordinal) => AliceWorld.DocumentId,
        (var p, "id") when p.StartsWith("/api/deletions/", StringComparison.Ordinal) => alice.DeletionId,
        _ => null,
    };

    private async Task<(AliceWorld Alice, IReadOnlyList<ApiOperation> Operations)> SetupAsync() => (await host.AliceAsync(), await host.OperationsAsync());

    internal static string Fill(ApiOperation operation, AliceWorld alice) =>
        operation.Fill(name => AliceValue(operation, name, alice) ?? throw new Xunit.Sdk.XunitException(
            $"{operation}: the security matrix does not know whose '{name}' this is; add it to RouteMatrixTests.AliceValue."));

    private static async Task<HttpResponseMessage> CallAsync(HttpClient client, ApiOperation operation, AliceWorld alice) =>
        await client.SendAsync(operation.Request(Fill(operation, alice), SampleBodies.GetValueOrDefault(operation.OperationId),
            RawBodies.Contains(operation.OperationId) ? "application/octet-stream" : "application/json"));

    /// <summary>Operations whose body is the raw file, not JSON.</summary>
    internal static readonly HashSet<string> RawBodies = ["ReplaceSkillSection", "PutSkillFile"];

    [Fact]
    public async Task Every_route_needs_a_token_or_is_public_by_design_and_admin_routes_are_marked()
    {
        var operations = await host.OperationsAsync();

        Assert.True(operations.Count >= 30, $"only {operations.Count} operations in the document");
        var open = operations.Where(o => !o.RequiresToken).Select(Key).ToList();
        var unexplained = open.Except(PublicByDesign.Keys).ToList();
        Assert.True(unexplained.Count == 0, "Routes without a token requirement that are not public by design: " + string.Join(", ", unexplained));
        var stale = PublicByDesign.Keys.Except(operations.Select(Key)).ToList();
        Assert.True(stale.Count == 0, "Listed as public but not in the document: " + string.Join(", ", stale));
        var unmarkedAdmin = operations.Where(o => o.Path.StartsWith("/api/admin", StringComparison.Ordinal) && !o.AdminOnly).ToList();
        Assert.True(unmarkedAdmin.Count == 0, "Admin routes without the admin policy: " + string.Join(", ", unmarkedAdmin));
    }

    [Fact]
    public async Task Without_a_token_or_with_a_bad_one_every_protected_route_answers_401()
    {
        var (alice, operations) = await SetupAsync();
        using var forged = host.Factory.ClientWith("not-a-token");
        using var expired = host.Factory.ClientWith("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJl");
        var failures = new List<string>();

        foreach (var operation in operations.Where(o => o.RequiresToken))
        {
            foreach (var (client, who) in new[] { (host.Anonymous, "no token"), (forged, "a forged token"), (expired, "an expired JWT") })
            {
                using var response = await CallAsync(client, operation, alice);
                if (response.StatusCode != HttpStatusCode.Unauthorized) { failures.Add($"{operation} with {who}: {(int)response.StatusCode}"); continue; }
                if (!await IsProblemAsync(response, ProblemTypes.Unauthorized)) failures.Add($"{operation} with {who}: 401 without the unauthorized problem");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Public_routes_give_nothing_away_without_a_token_or_signature()
    {
        var alice = await host.AliceAsync();
        var anonymous = host.Anonymous;

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        using (var media = await anonymous.GetAsync($"/media/{alice.MediaId}"))
            Assert.Equal(HttpStatusCode.Unauthorized, media.StatusCode);
        using (var forgedSignature = await anonymous.GetAsync($"/media/{alice.MediaId}?exp=4102444800&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
            Assert.Equal(HttpStatusCode.Unauthorized, forgedSignature.StatusCode);
        using (var bobsToken = await host.Bob.GetAsync($"/media/{alice.MediaId}"))
            Assert.Equal(HttpStatusCode.NotFound, bobsToken.StatusCode);
        using (var unsigned = await anonymous.PostAsync($"/api/webhooks/fal?job={alice.PictureJobId}&token=forged",
                   new StringContent("""{"request_id":"x","status":"OK","payload":{"images":[]}}""", System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        using (var owner = await host.Alice.GetAsync($"/media/{alice.MediaId}"))
            Assert.Equal(HttpStatusCode.OK, owner.StatusCode); // the control: the owner's token does work
    }

    [Fact]
    public async Task Another_users_token_on_alices_things_answers_404_on_every_route_and_changes_nothing()
    {
        var (alice, operations) = await SetupAsync();
        var messagesBefore = await host.ScalarAsync<long>("select count(*) from chat.messages where agent_id = $1::uuid", alice.AgentId);
        var failures = new List<string>();
        var checkedRoutes = 0;

        foreach (var operation in operations.Where(o => o.RequiresToken && !o.AdminOnly && o.PathParameters.Any()))
        {
            checkedRoutes++;
            using var response = await CallAsync(host.Bob, operation, alice);
            if (KnownDeviations.ContainsKey(Key(operation)) && response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsStringAsync();
                failures.AddRange(alice.Secrets.Where(s => body.Contains(s, StringComparison.Ordinal)).Select(s => $"{operation} as bob shows alice's '{s}'"));
                continue;
            }
            if (response.StatusCode != HttpStatusCode.NotFound)
                failures.Add($"{operation} as bob: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            else if (!await IsProblemAsync(response, ProblemTypes.NotFound))
                failures.Add($"{operation} as bob: 404 without the not-found problem");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedRoutes >= 15, $"only {checkedRoutes} routes with ids were checked");

        // The 404s were about ownership, not bad ids: alice reaches every one of the same GET routes, and still has everything.
        foreach (var operation in operations.Where(o => o.Method == "GET" && o.RequiresToken && !o.AdminOnly && o.PathParameters.Any()))
        {
            using var response = await CallAsync(host.Alice, operation, alice);
            Assert.True(response.IsSuccessStatusCode, $"{operation} as alice: {(int)response.StatusCode}"); // 200, or 204 (no next section)
        }
        var job = await host.Alice.GetFromJsonAsync<JsonElement>($"/api/images/{alice.PictureJobId}");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(messagesBefore, await host.ScalarAsync<long>("select count(*) from chat.messages where agent_id = $1::uuid", alice.AgentId));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from companions.scenarios where agent_id = $1::uuid and title = 'Intrusion'", alice.AgentId));
        var agent = await host.Alice.GetFromJsonAsync<JsonElement>($"/api/agents/{alice.AgentId}");
        Assert.NotEqual("changed by someone else", agent.TryGetProperty("bio", out var bio) ? bio.GetString() : null);
    }

    [Fact]
    public async Task Lists_and_reads_without_ids_never_show_another_users_things()
    {
        var (alice, operations) = await SetupAsync();
        var secrets = alice.Secrets.ToList();
        var failures = new List<string>();

        foreach (var operation in operations.Where(o => o.Method == "GET" && o.RequiresToken && !o.AdminOnly && !o.PathParameters.Any()))
        {
            using var response = await host.Bob.GetAsync(operation.Path);
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500) failures.Add($"{operation} as bob: {(int)response.StatusCode}");
            failures.AddRange(secrets.Where(s => body.Contains(s, StringComparison.Ordinal)).Select(s => $"{operation} as bob shows alice's '{s}'"));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Admin_routes_answer_403_to_a_signed_in_non_admin_and_open_to_the_admin()
    {
        var (alice, operations) = await SetupAsync();
        var admin = operations.Where(o => o.AdminOnly).ToList();
        Assert.NotEmpty(admin);
        var failures = new List<string>();

        foreach (var operation in admin)
        {
            using var asBob = await CallAsync(host.Bob, operation, alice);
            if (asBob.StatusCode != HttpStatusCode.Forbidden || !await IsProblemAsync(asBob, ProblemTypes.Forbidden))
                failures.Add($"{operation} as bob: {(int)asBob.StatusCode}");
            using var asAdmin = await CallAsync(host.Admin, operation, alice);
            if (asAdmin.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || (int)asAdmin.StatusCode >= 500)
                failures.Add($"{operation} as admin: {(int)asAdmin.StatusCode}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Deleting_an_account_deletes_only_the_callers_and_its_status_is_theirs_alone()
    {
        var (alice, operations) = await SetupAsync();
        Assert.Contains(operations, o => Key(o) == "DELETE /api/me" && o.RequiresToken && !o.AdminOnly);
        var dora = host.User("dora");
        var doraId = (await dora.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
        var doras = await ProofHost.CreateAgentAsync(dora, "Dot");

        using var deleted = await dora.DeleteAsync("/api/me");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var statusUrl = (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;

        // Her deletion's status is hers (by the same token) and nobody else's; her companion is gone at once.
        Assert.Equal(HttpStatusCode.OK, (await dora.GetAsync(statusUrl)).StatusCode);
        foreach (var other in new[] { host.Bob, host.Alice })
        {
            using var peek = await other.GetAsync(statusUrl);
            Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);
            Assert.True(await IsProblemAsync(peek, ProblemTypes.NotFound));
        }
        Assert.NotEqual(doraId, (await dora.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await dora.GetAsync($"/api/agents/{doras}")).StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from companions.agents where owner_id = $1::uuid", doraId));

        // Alice's account and things are untouched by dora's deletion.
        Assert.Equal(alice.UserId, (await host.Alice.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Alice.GetAsync($"/api/agents/{alice.AgentId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Alice.GetAsync($"/media/{alice.MediaId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Alice.GetAsync($"/api/images/{alice.PictureJobId}")).StatusCode);
    }

    /// <summary>Issue 18's cases: the webhook never aims inside, no answer names a server path, every answer carries the security headers.</summary>
    [Fact]
    public async Task No_url_inside_the_server_network_is_accepted_no_answer_names_a_server_path_and_every_answer_has_the_security_headers()
    {
        var (_, operations) = await SetupAsync();
        var failures = new List<string>();
        foreach (var url in new[] { "http://127.0.0.1:55432/", "http://[::1]:55432/", "http://localhost:55432/", "http://2130706433:55432/",
                     "http://0x7f000001:55432/", "http://127.1:55432/", "https://169.254.169.254/", "https://10.0.0.1/", "https://127.0.0.1:47071/",
                     "https://[::ffff:169.254.169.254]/", "https://100.100.100.200/", "https://[fd00:ec2::254]/" })
        {
            using var response = await host.Bob.PutAsJsonAsync("/api/notifications/webhook", new { url });
            if (response.StatusCode != HttpStatusCode.BadRequest || !await IsProblemAsync(response, ProblemTypes.UrlRefused))
                failures.Add($"webhook {url}: {(int)response.StatusCode}");
        }

        var environment = host.Factory.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>();
        var serverPaths = new[] { environment.ContentRootPath, host.Factory.Services.GetRequiredService<Hearth.Skills.Checkout.SkillCheckouts>().Root, AppContext.BaseDirectory.TrimEnd('/') };
        foreach (var operation in operations.Where(o => o.Method == "GET" && o.RequiresToken && !o.AdminOnly && !o.PathParameters.Any()))
        {
            using var response = await host.Bob.GetAsync(operation.Path);
            var body = await response.Content.ReadAsStringAsync();
            failures.AddRange(serverPaths.Where(p => body.Contains(p, StringComparison.Ordinal)).Select(p => $"{operation} as bob names the server path {p}"));
            if (!response.Headers.TryGetValues("Content-Security-Policy", out var csp) || !csp.Single().Contains("frame-ancestors 'none'", StringComparison.Ordinal))
                failures.Add($"{operation}: no Content-Security-Policy with frame-ancestors 'none'");
            if (!response.Headers.TryGetValues("X-Content-Type-Options", out var sniff) || sniff.Single() != "nosniff")
                failures.Add($"{operation}: no X-Content-Type-Options: nosniff");
        }
        var status = await host.Bob.GetFromJsonAsync<JsonElement>("/api/status");
        if (status.GetProperty("scope").GetString() != "user" || status.GetProperty("providers").TryGetProperty("database", out _))
            failures.Add("/api/status shows bob the server's view");

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static async Task<bool> IsProblemAsync(HttpResponseMessage response, string type)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return false;
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.TryGetProperty("type", out var t) && t.GetString() == type;
    }
}
