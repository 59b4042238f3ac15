using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Security;

/// <summary>What alice owns, for bob to try to reach.</summary>
public sealed record AliceWorld(string UserId, string AgentId, string PictureJobId, string MediaId, string ReplyId)
{
    /// <summary>Alice's skill file, one of its sections and an ingest run (null while the host has no skills routes).</summary>
    public string? SkillFileId { get; init; }

    public string? SkillSectionId { get; init; }

    public string? SkillRunId { get; init; }

    /// <summary>Strings only alice's data contains.</summary>
    public IEnumerable<string> Secrets =>
        new[] { UserId, AgentId, PictureJobId, MediaId, ReplyId, "Alma", "Moving house", SkillFileId, SkillSectionId, SkillRunId, SkillPath, "Bees of the north roof" }
            .Where(s => s is not null)!;

    public const string SkillPath = "alice/secret-notes.md";
}

/// <summary>The proof host with alice's things made once for the class.</summary>
public sealed class SecurityHost : ProofHost
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AliceWorld? _alice;
    private IReadOnlyList<ApiOperation>? _operations;

    public HttpClient Alice => User("alice");

    public HttpClient Bob => User("bob");

    public async Task<IReadOnlyList<ApiOperation>> OperationsAsync() => _operations ??= await OpenApiRoutes.ReadAsync(Anonymous);

    /// <summary>Alice's agent (with a scenario and a chat turn), a finished picture job and its stored picture.</summary>
    public async Task<AliceWorld> AliceAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_alice is not null) return _alice;
            var alice = Alice;
            var userId = await UserIdAsync("alice");
            var agent = await CreateAgentAsync(alice, "Alma");
            (await alice.PostAsJsonAsync($"/api/agents/{agent}/scenarios", new { title = "Moving house", description = "Boxes everywhere." })).EnsureSuccessStatusCode();
            var turn = await (await alice.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "Hi Alma, how was your day?", clientMessageId = "alice-1" }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
            var job = await RequestPictureAsync(alice, agent);
            var status = await Factory.Services.GetRequiredService<IOrchestrationClient>().WaitForCompletionAsync(job, TimeSpan.FromSeconds(60));
            Assert.True(status is { IsFinished: true }, $"alice's picture did not finish: {status?.Status}");
            var picture = await alice.GetFromJsonAsync<JsonElement>($"/api/images/{job}");
            Assert.Equal("succeeded", picture.GetProperty("status").GetString());
            var media = picture.GetProperty("images")[0].GetProperty("mediaId").GetString()!;
            var world = new AliceWorld(userId, agent, job, media, turn.GetProperty("reply").GetProperty("id").GetString()!);
            if ((await OperationsAsync()).Any(o => o.Path == "/api/skills/files")) world = await WithSkillsAsync(alice, world);
            return _alice = world;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A skill file of alice's (two sections) and a finished bulk ingest run.</summary>
    private static async Task<AliceWorld> WithSkillsAsync(HttpClient alice, AliceWorld world)
    {
        using var content = new ByteArrayContent("# Bees of the north roof\n\nWhere the hives are.\n\n## Winter\n\nFeed them sugar.\n"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var stored = await alice.PostAsync($"/api/skills/files?path={Uri.EscapeDataString(AliceWorld.SkillPath)}", content);
        Assert.True(stored.IsSuccessStatusCode, $"alice's skill file: {(int)stored.StatusCode} {await stored.Content.ReadAsStringAsync()}");
        var fileId = (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file").GetProperty("id").GetString()!;
        var tree = await alice.GetFromJsonAsync<JsonElement>($"/api/skills/files/{fileId}/tree");
        var sectionId = tree.GetProperty("sections")[0].GetProperty("id").GetString()!;
        using var ingest = await alice.PostAsJsonAsync("/api/skills/ingest", new { files = new[] { new { path = "alice/ingested.md", content = "# Ingested\n\nText.\n" } } });
        Assert.True(ingest.StatusCode == System.Net.HttpStatusCode.Accepted, $"alice's ingest: {(int)ingest.StatusCode} {await ingest.Content.ReadAsStringAsync()}");
        var runId = (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return world with { SkillFileId = fileId, SkillSectionId = sectionId, SkillRunId = runId };
    }
}
