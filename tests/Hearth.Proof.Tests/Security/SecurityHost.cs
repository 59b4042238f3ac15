using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Security;

/// <summary>What alice owns, for bob to try to reach.</summary>
public sealed record AliceWorld(string UserId, string AgentId, string PictureJobId, string MediaId, string ReplyId)
{
    /// <summary>The scenario alice gave her agent.</summary>
    public string? ScenarioId { get; init; }

    /// <summary>Alice's skill file, one of its sections and an ingest run (null while the host has no skills routes).</summary>
    public string? SkillFileId { get; init; }

    public string? SkillSectionId { get; init; }

    public string? SkillRunId { get; init; }

    /// <summary>Alice's chat session, a written summary of it and a memory (null while the host has no memory routes).</summary>
    public string? SessionId { get; init; }

    public string? SummaryId { get; init; }

    public string? MemoryId { get; init; }

    /// <summary>Alice's document import and the document it imported (null while the host has no document routes).</summary>
    public string? ImportId { get; init; }

    /// <summary>The deletion of a second companion alice had (its status route is hers alone).</summary>
    public string? DeletionId { get; init; }

    /// <summary>An entry of alice's agent's lorebook and one of her own lorebook.</summary>
    public string? AgentLoreEntryId { get; init; }

    public string? UserLoreEntryId { get; init; }

    /// <summary>Alice's group chat (Alma and Cora) and a companion's line in it.</summary>
    public string? GroupId { get; init; }

    public string? GroupReplyId { get; init; }

    public const string DocumentId = "alice-doc-1";

    /// <summary>Strings only alice's data contains.</summary>
    public IEnumerable<string> Secrets =>
        new[] { UserId, AgentId, PictureJobId, MediaId, ReplyId, ScenarioId, "Alma", "Moving house", SkillFileId, SkillSectionId, SkillRunId, SkillPath, "Bees of the north roof", SessionId, SummaryId, MemoryId, "Alice keeps a red kayak", ImportId, DocumentId, "lighthouse keeper diary", DeletionId, AgentLoreEntryId, UserLoreEntryId, "Alma's hidden cove", "Alice's lucky number", GroupId, GroupReplyId, "Alice's book club" }
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
            var scenario = await (await alice.PostAsJsonAsync($"/api/agents/{agent}/scenarios", new { title = "Moving house", description = "Boxes everywhere." }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
            var turn = await (await alice.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "Hi Alma, how was your day?", clientMessageId = "alice-1" }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
            var job = await RequestPictureAsync(alice, agent);
            var status = await Factory.Services.GetRequiredService<IOrchestrationClient>().WaitForCompletionAsync(job, TimeSpan.FromSeconds(60));
            Assert.True(status is { IsFinished: true }, $"alice's picture did not finish: {status?.Status}");
            var picture = await alice.GetFromJsonAsync<JsonElement>($"/api/images/{job}");
            Assert.Equal("succeeded", picture.GetProperty("status").GetString());
            var media = picture.GetProperty("images")[0].GetProperty("mediaId").GetString()!;
            var world = new AliceWorld(userId, agent, job, media, turn.GetProperty("reply").GetProperty("id").GetString()!);
            world = world with { SessionId = turn.GetProperty("sessionId").GetString(), ScenarioId = scenario.GetProperty("id").GetString() };
            using (var deleted = await alice.DeleteAsync($"/api/agents/{await CreateAgentAsync(alice, "Bria")}"))
            {
                Assert.True(deleted.StatusCode == System.Net.HttpStatusCode.Accepted, $"alice's deletion: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync()}");
                world = world with { DeletionId = (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString() };
            }
            if ((await OperationsAsync()).Any(o => o.Path == "/api/lorebook")) world = await WithLoreAsync(alice, world);
            if ((await OperationsAsync()).Any(o => o.Path == "/api/groups")) world = await WithGroupAsync(alice, world);
            if ((await OperationsAsync()).Any(o => o.Path == "/api/skills/files")) world = await WithSkillsAsync(alice, world);
            if ((await OperationsAsync()).Any(o => o.Path == "/api/memory")) world = await WithMemoryAsync(alice, world);
            if ((await OperationsAsync()).Any(o => o.Path == "/api/documents/import")) world = await WithDocumentAsync(alice, world);
            return _alice = world;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>An entry in alice's agent's lorebook and one in her own.</summary>
    private static async Task<AliceWorld> WithLoreAsync(HttpClient alice, AliceWorld world)
    {
        async Task<string> AddAsync(string path, string content)
        {
            using var created = await alice.PostAsJsonAsync(path, new { keys = new[] { "cove" }, content });
            Assert.True(created.IsSuccessStatusCode, $"alice's lore entry: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        return world with
        {
            AgentLoreEntryId = await AddAsync($"/api/agents/{world.AgentId}/lorebook/entries", "Alma's hidden cove is past the lighthouse."),
            UserLoreEntryId = await AddAsync("/api/lorebook/entries", "Alice's lucky number is 11."),
        };
    }

    /// <summary>A group chat of alice's agent with a second one of hers, and a line Alma said in it.</summary>
    private async Task<AliceWorld> WithGroupAsync(HttpClient alice, AliceWorld world)
    {
        var cora = await CreateAgentAsync(alice, "Cora");
        using var created = await alice.PostAsJsonAsync("/api/groups", new { name = "Alice's book club", agentIds = new[] { world.AgentId, cora } });
        Assert.True(created.IsSuccessStatusCode, $"alice's group: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var said = await alice.PostAsJsonAsync($"/api/groups/{group}/chat", new { text = "Alma, any news from the book club?" });
        Assert.True(said.IsSuccessStatusCode, $"alice's group turn: {(int)said.StatusCode} {await said.Content.ReadAsStringAsync()}");
        var reply = (await said.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replies")[0].GetProperty("id").GetString()!;
        return world with { GroupId = group, GroupReplyId = reply };
    }

    /// <summary>A memory of alice's and a written summary of her session.</summary>
    private static async Task<AliceWorld> WithMemoryAsync(HttpClient alice, AliceWorld world)
    {
        using var created = await alice.PostAsJsonAsync("/api/memory", new { kind = "fact", text = "Alice keeps a red kayak in the garage." });
        Assert.True(created.IsSuccessStatusCode, $"alice's memory: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var memoryId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var asked = await alice.PostAsync($"/api/sessions/{world.SessionId}/summary", null);
        Assert.True(asked.StatusCode == System.Net.HttpStatusCode.Accepted, $"alice's summary: {(int)asked.StatusCode} {await asked.Content.ReadAsStringAsync()}");
        var summaryId = (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Eventually.ValueAsync(() => alice.GetFromJsonAsync<JsonElement>($"/api/sessions/{world.SessionId}/summaries/{summaryId}"),
            s => s.GetProperty("status").GetString() is "done" or "failed", TimeSpan.FromSeconds(60), "alice's session summary");
        return world with { MemoryId = memoryId, SummaryId = summaryId };
    }

    /// <summary>A document alice imported (JSON lines), once the import has finished.</summary>
    private static async Task<AliceWorld> WithDocumentAsync(HttpClient alice, AliceWorld world)
    {
        using var content = new StringContent($$"""{"id":"{{AliceWorld.DocumentId}}","title":"Diary","text":"The lighthouse keeper diary, page one."}""" + "\n",
            System.Text.Encoding.UTF8, "application/x-ndjson");
        using var imported = await alice.PostAsync("/api/documents/import", content);
        Assert.True(imported.StatusCode == System.Net.HttpStatusCode.Accepted, $"alice's import: {(int)imported.StatusCode} {await imported.Content.ReadAsStringAsync()}");
        var importId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Eventually.ValueAsync(() => alice.GetFromJsonAsync<JsonElement>($"/api/documents/imports/{importId}"),
            i => i.GetProperty("status").GetString() is not ("running" or "queued" or "pending"), TimeSpan.FromSeconds(60), "alice's import");
        return world with { ImportId = importId };
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
