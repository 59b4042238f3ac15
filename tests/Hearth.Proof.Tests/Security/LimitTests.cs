using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Functions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Security;

/// <summary>The proof host with tight per-user limits: two chat turns and two pictures a minute.</summary>
public sealed class LimitedHost : ProofHost
{
    public const int Permits = 2;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["RateLimits:Chat:PermitLimit"] = Permits.ToString();
            settings["RateLimits:Chat:Window"] = "00:10:00";
            settings["RateLimits:Pictures:PermitLimit"] = Permits.ToString();
            settings["RateLimits:Pictures:Window"] = "00:10:00";
            settings["RateLimits:Imports:PermitLimit"] = Permits.ToString();
            settings["RateLimits:Imports:Window"] = "00:10:00";
            foreach (var name in new[] { "Agents", "SkillIngest", "LifeTicks", "Summaries", "SkillEdits" })
            {
                settings[$"RateLimits:{name}:PermitLimit"] = Permits.ToString();
                settings[$"RateLimits:{name}:Window"] = "00:10:00";
            }
            settings["Skills:MaxUploadBytes"] = "2097152"; // the body-limit test builds a body one byte over each limit
            settings["Memory:ImportMaxBytes"] = "2097152";
            return settings;
        }
    }
}

/// <summary>Per-user rate limits on every rate-limited route, and body size limits on every route that takes a body.</summary>
public sealed class LimitTests(LimitedHost host) : IClassFixture<LimitedHost>
{
    /// <summary>The routes that must carry a limit (more may: they are all tested).</summary>
    /// Issue 18: every route that starts work (an orchestration, a model call or jobs) is limited per user.
    private static readonly string[] MustBeLimited = ["Chat", "ChatStream", "GenerateAgent", "RequestPicture", "RegeneratePortrait",
        "CreateAgent", "ImportCharacterCard", "IngestSkills", "ImportDocuments", "RunLifeSlot", "SummariseSession",
        "PutSkillFile", "ReplaceSkillSection", "ComposeSkill", "CheckinSkill", // skill edits store a version and queue its index jobs
        "RegenerateReply", "RegenerateReplyStream", "SelectReply", "EditMessage", // a new reply from the model; a chosen one re-indexes the turn
        "DeleteMessage", // queues memory's forget job and the later turns' re-indexing
        "GroupChat", // a reply from the model per companion who answers
        "EditGroupMessage", "DeleteGroupMessage", "RegenerateGroupReply", "SelectGroupReply", // as their 1:1 kin
        "ImportMemory"]; // up to 20,000 memories and their summaries' index documents

    private static string Normalise(string? pattern) => "/" + (pattern ?? "").Trim('/');

    private IReadOnlyList<RouteEndpoint> Endpoints() =>
        host.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    private RouteEndpoint? EndpointOf(ApiOperation operation) => Endpoints().FirstOrDefault(e =>
        Normalise(e.RoutePattern.RawText) == Normalise(operation.Path)
        && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(operation.Method) == true);

    [Fact]
    public async Task Every_rate_limited_route_answers_429_with_retry_after_per_user()
    {
        var operations = await OpenApiRoutes.ReadAsync(host.Anonymous);
        var limited = operations.Where(o => EndpointOf(o)?.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null).ToList();
        Assert.Empty(MustBeLimited.Except(limited.Select(o => o.OperationId)));
        var bodies = new Dictionary<string, string>
        {
            ["Chat"] = """{"text":"hi"}""", ["ChatStream"] = """{"text":"hi"}""", ["GenerateAgent"] = """{"hints":"gardener"}""", ["RequestPicture"] = "{}",
            ["ImportDocuments"] = """{"text":"A note to import."}""", ["CreateAgent"] = """{"name":"Ria","timezone":"UTC"}""",
            ["SelectReply"] = """{"index":0}""", ["EditMessage"] = """{"text":"edited"}""",
            ["SelectGroupReply"] = """{"index":0}""", ["EditGroupMessage"] = """{"text":"edited"}""", ["GroupChat"] = """{"text":"hi"}""", ["ImportMemory"] = """{"format":"hearth.memory.v1"}""",
            ["ImportCharacterCard"] = """{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Ria","first_mes":"Hello there."}}""",
            ["IngestSkills"] = """{"files":[{"path":"skills/limits/SKILL.md","content":"# Limits\n\nOne file.\n"}]}""",
        };

        foreach (var operation in limited)
        {
            var name = "rl" + Guid.NewGuid().ToString("N")[..8];
            var user = host.User(name);
            // The route's own target: a companion (created outside the limit under test), or a chat session of one.
            // A skill edit's target is the only section of a file stored straight through the library.
            async Task<string> TargetAsync(HttpClient client)
            {
                if (operation.OperationId is "CreateAgent" or "ImportCharacterCard") return "";
                if (operation.OperationId is "PutSkillFile" or "ReplaceSkillSection" or "ComposeSkill" or "CheckinSkill") return await SkillSectionAsync(client);
                var agentId = await ProofHost.CreateAgentAsync(client);
                if (operation.OperationId is "GroupChat" or "EditGroupMessage" or "DeleteGroupMessage" or "RegenerateGroupReply" or "RegenerateGroupReplyStream" or "SelectGroupReply")
                {
                    using var group = await client.PostAsJsonAsync("/api/groups", new { agentIds = new[] { agentId, await ProofHost.CreateAgentAsync(client) } });
                    var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                    // A group line to act on, written outside the Chat limit these routes share.
                    return operation.OperationId == "GroupChat" ? groupId : groupId + "|" + await WriteGroupLineAsync(client, groupId);
                }
                if (operation.OperationId is not ("SummariseSession" or "RegenerateReply" or "RegenerateReplyStream" or "SelectReply" or "EditMessage" or "DeleteMessage")) return agentId;
                if (operation.OperationId == "SummariseSession")
                {
                    using var turn = await client.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text = "a turn to summarise" });
                    return (await turn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString()!;
                }
                // A reply to regenerate or choose, written outside the Chat limit these routes share.
                return agentId + "|" + await WriteReplyAsync(client, agentId); // the agent and its reply
            }
            async Task<string> WriteReplyAsync(HttpClient client, string agentId)
            {
                var me = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
                await using var scope = host.Factory.Services.CreateAsyncScope();
                var written = await scope.ServiceProvider.GetRequiredService<Hearth.Chat.ChatTurnService>()
                    .TakeTurnAsync(new Hearth.Chat.ChatTurnCommand(me, "UTC", agentId, "a turn to write again", null), CancellationToken.None);
                return written.Result!.Reply.Id;
            }
            // The group's last line (the only one that can be written again), from a turn taken outside the limit.
            async Task<string> WriteGroupLineAsync(HttpClient client, string groupId)
            {
                var me = (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;
                await using var scope = host.Factory.Services.CreateAsyncScope();
                var turn = await scope.ServiceProvider.GetRequiredService<Hearth.Chat.ChatTurnService>()
                    .GroupTurnAsync(new Hearth.Chat.GroupTurnCommand(me, "UTC", groupId, "a group line to act on"), CancellationToken.None);
                return turn.Result!.Replies[^1].Id;
            }
            var agent = await TargetAsync(user);
            async Task<HttpResponseMessage> CallAsync(HttpClient client, string target) => operation.OperationId switch
            {
                // Each call a fresh, valid edit, so every call within the limit succeeds.
                "PutSkillFile" => await client.SendAsync(Octets(HttpMethod.Post, "/api/skills/files?path=" + Uri.EscapeDataString(SkillPath), NewSkillText())),
                "ReplaceSkillSection" => await client.SendAsync(Octets(HttpMethod.Put, $"/api/skills/sections/{target}", NewSkillText())),
                "ComposeSkill" => await client.PostAsJsonAsync("/api/skills/compose", new { name = "limits-" + Guid.NewGuid().ToString("N")[..8], sectionIds = new[] { target } }),
                "CheckinSkill" => await CheckoutAndCheckinAsync(client),
                // Each call deletes a reply of its own, written outside the limit.
                "DeleteMessage" => await client.DeleteAsync($"/api/agents/{target.Split('|')[0]}/messages/{await WriteReplyAsync(client, target.Split('|')[0])}"),
                "DeleteGroupMessage" => await client.DeleteAsync($"/api/groups/{target.Split('|')[0]}/messages/{await WriteGroupLineAsync(client, target.Split('|')[0])}"),
                _ => await client.SendAsync(operation.Request(operation.Fill(name => name == "messageId" ? target.Split('|')[1] : target.Split('|')[0]),
                    bodies.GetValueOrDefault(operation.OperationId),
                    operation.OperationId == "ImportDocuments" ? "application/x-ndjson" : "application/json")),
            };

            for (var i = 0; i < LimitedHost.Permits; i++)
            {
                using var allowed = await CallAsync(user, agent);
                Assert.True(allowed.IsSuccessStatusCode, $"{operation} call {i + 1}: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
                await allowed.Content.ReadAsStringAsync(); // a stream ends before the next call
            }
            using var refused = await CallAsync(user, agent);
            Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, $"{operation}: call {LimitedHost.Permits + 1} answered {(int)refused.StatusCode}");
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{operation}: 429 without Retry-After");
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ProblemTypes.RateLimited, problem.GetProperty("type").GetString());

            var other = host.User(name + "-other"); // another user has a budget of their own
            using var othersCall = await CallAsync(other, await TargetAsync(other));
            Assert.True(othersCall.IsSuccessStatusCode, $"{operation} for another user: {(int)othersCall.StatusCode}");
        }
    }

    private const string SkillPath = "skills/limits/SKILL.md";

    private static string NewSkillText() => $"# Limits\n\nEdit {Guid.NewGuid():N}.\n";

    private static HttpRequestMessage Octets(HttpMethod method, string path, string text) =>
        new(method, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(text)) { Headers = { ContentType = new("application/octet-stream") } } };

    /// <summary>Stores <see cref="SkillPath"/> for the client's user outside the limits under test and returns its section's id.</summary>
    private async Task<string> SkillSectionAsync(HttpClient client)
    {
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        await using var scope = host.Factory.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<Hearth.Skills.SkillLibrary>()
            .PutAsync(me.GetProperty("id").GetString()!, SkillPath, Encoding.UTF8.GetBytes(NewSkillText()), "upload", CancellationToken.None);
        var tree = await client.GetFromJsonAsync<JsonElement>($"/api/skills/files/{stored.File.Id}/tree");
        return tree.GetProperty("sections")[0].GetProperty("id").GetString()!;
    }

    /// <summary>Checks the file out (not limited: it only writes a copy) and checks it back in (limited: it stores a version).</summary>
    private static async Task<HttpResponseMessage> CheckoutAndCheckinAsync(HttpClient client)
    {
        using var checkout = await client.PostAsJsonAsync("/api/skills/checkout", new { path = SkillPath, force = true });
        Assert.True(checkout.StatusCode == HttpStatusCode.Created, $"checkout: {(int)checkout.StatusCode} {await checkout.Content.ReadAsStringAsync()}");
        var id = (await checkout.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        return await client.PostAsJsonAsync("/api/skills/checkin", new { checkoutId = id });
    }

    [Fact]
    public async Task Every_route_that_takes_a_body_refuses_one_over_its_limit_with_413_and_writes_nothing()
    {
        var operations = await OpenApiRoutes.ReadAsync(host.Anonymous);
        var agent = await ProofHost.CreateAgentAsync(host.User("big"));
        var agentsBefore = await host.ScalarAsync<long>("select count(*) from companions.agents");
        var defaultLimit = host.Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HttpOptions>>().Value.MaxRequestBodyBytes;
        var checkedRoutes = 0;

        foreach (var operation in operations.Where(o => o.Method is "POST" or "PUT" or "PATCH"))
        {
            var limit = EndpointOf(operation)?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? defaultLimit;
            var padding = new string('x', (int)limit + 1 - 11);
            var body = $$"""{"text":"{{padding}}"}""";
            Assert.True(Encoding.UTF8.GetByteCount(body) > limit);
            using var request = operation.Request(operation.Fill(name => name == "name" ? "e" : agent), body);
            using var response = await host.User("big").SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{operation} with {limit + 1} bytes: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(ProblemTypes.PayloadTooLarge, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
            checkedRoutes++;
        }

        Assert.True(checkedRoutes >= 10, $"only {checkedRoutes} routes take a body");
        Assert.Equal(agentsBefore, await host.ScalarAsync<long>("select count(*) from companions.agents"));
    }
}
