using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Archive;
using Hearth.Chat;
using Hearth.Companions;
using Hearth.Durable.Orchestrations;
using Hearth.Memory;
using Hearth.Search;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Functions.Tests;

/// <summary>
/// Deleting a companion (issue 15, finding 7) and deleting an account (DELETE /api/me) on the whole product (Development
/// host: offline chat, real memory and index, the placeholder painter, an archive database, a clock the test holds):
/// 202 with a status URL, and afterwards no list, search, media or orchestration route finds anything of it. The waits
/// are on the runtime's signals (an orchestration's end, the deletion's notification), never on the wall clock.
/// </summary>
public sealed class CompanionDeletionTests
{
    private const string Token = DevelopmentHost.DevTokenValue;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Deleting_a_companion_erases_everything_it_owns_stops_its_life_and_a_sweep_of_every_route_finds_nothing()
    {
        var (host, archive) = await CreateHostAsync();
        await using var _ = host;
        var user = host.ClientWith($"{Token}:erin");
        var keep = await CreateAsync(user, "Kept");
        var gone = await CreateAsync(user, "Gone");

        var session = await ChatAsync(user, gone);
        await PostAsync(user, $"/api/agents/{keep}/chat", new { text = "Zanzibarfish for me too." });
        var (picture, mediaUrl) = await PaintAsync(host, user, gone);
        // A life slot that planned a message and waits (on the held clock) to send it: in flight when the companion goes.
        await PostAsync(user, $"/api/agents/{gone}/initiations/settings", new { enabled = true, quietFrom = "23:59", quietTo = "00:00", minGapMinutes = 0 }, patch: true);
        var slot = (await PostAsync(user, $"/api/agents/{gone}/life/tick", new { })).GetProperty("id").GetString()!;
        var waiting = await Orchestrations(host).GetAsync(slot);
        Assert.True(waiting is { IsFinished: false }, $"the life slot waits to deliver: {waiting?.Status} {waiting?.Output}");
        await UntilDerivedAsync(user, gone, session);
        Assert.True(await ArchivedAsync(archive, gone) > 0, "the archive holds a copy of the turns");

        var delete = await user.DeleteAsync($"/api/agents/{gone}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var statusUrl = (await delete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        Assert.Equal(statusUrl, delete.Headers.Location?.ToString());
        await UntilDoneAsync(host, statusUrl);
        var done = await user.GetFromJsonAsync<JsonElement>(statusUrl);
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal(gone, done.GetProperty("agentId").GetString());

        // The sweep: every list, search, media and orchestration route of the user, and the archive.
        var agents = await user.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Equal([keep], agents.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        foreach (var path in new[] { "", "/messages", "/events", "/scenarios", "/state", "/initiations" })
            Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/agents/{gone}{path}")).StatusCode);
        Assert.Empty(await SearchAsync(user, gone));
        var everything = await user.GetFromJsonAsync<JsonElement>("/api/search?q=zanzibarfish&k=50");
        Assert.DoesNotContain(everything.GetProperty("items").EnumerateArray(), i => i.GetProperty("agentId").GetString() == gone);
        Assert.Contains(everything.GetProperty("items").EnumerateArray(), i => i.GetProperty("agentId").GetString() == keep);   // the other companion's turns stay
        Assert.DoesNotContain(await MemoriesAsync(user), m => m.GetProperty("agentId").GetString() == gone);
        var summaries = await user.GetAsync($"/api/sessions/{session}/summaries");   // the session is gone with its summaries
        Assert.True(summaries.StatusCode == HttpStatusCode.NotFound
            || (await summaries.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength() == 0, await summaries.Content.ReadAsStringAsync());
        var jobs = await user.GetFromJsonAsync<JsonElement>("/api/images");
        Assert.DoesNotContain(jobs.GetProperty("items").EnumerateArray(), j => j.GetProperty("agentId").GetString() == gone);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/images/{picture}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await user.GetAsync(mediaUrl)).StatusCode);
        var notifications = await user.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.DoesNotContain(notifications.GetProperty("items").EnumerateArray(), n => n.GetProperty("agentId").GetString() == gone);
        var instances = await user.GetStringAsync("/api/orchestrations?limit=100");
        Assert.DoesNotContain(gone, instances);   // the life slot was stopped and, like the picture's, purged
        Assert.DoesNotContain(picture, instances);
        Assert.Null(await Orchestrations(host).GetAsync(slot));
        Assert.Equal(0, await ArchivedAsync(archive, gone));

        // Someone else's deletion is not found; deleting again is 404.
        Assert.Equal(HttpStatusCode.NotFound, (await host.ClientWith($"{Token}:mallory").GetAsync(statusUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.DeleteAsync($"/api/agents/{gone}")).StatusCode);
    }

    [Fact]
    public async Task Deleting_an_account_erases_everything_of_the_user_and_nothing_of_anyone_else()
    {
        var (host, archive) = await CreateHostAsync();
        await using var _ = host;
        var erin = host.ClientWith($"{Token}:erin");
        var frank = host.ClientWith($"{Token}:frank");
        var erinId = (await erin.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;

        // Erin's things in every feature: two companions with chats, a picture, a memory of her own, an imported document,
        // a skill file, a push webhook. Frank has a companion, a memory and a skill file of his own.
        var first = await CreateAsync(erin, "Ada");
        var second = await CreateAsync(erin, "Bo");
        var session = await ChatAsync(erin, first);
        await PostAsync(erin, $"/api/agents/{second}/chat", new { text = "Zanzibarfish is my favourite word." });
        var (_, mediaUrl) = await PaintAsync(host, erin, first);
        await PostAsync(erin, "/api/memory", new { kind = "fact", text = "Erin keeps zanzibarfish in a blue tank." });
        await ImportAsync(host, erin, "erin-doc", "The zanzibarfish diary of Erin.");
        await PutSkillAsync(erin, "erin/zanzibarfish.md", "# Zanzibarfish care\n\nFeed twice a day.\n");
        Assert.Equal(HttpStatusCode.OK, (await erin.PutAsJsonAsync("/api/notifications/webhook", new { url = "https://example.com/erin-push", secret = "a-webhook-secret-for-tests-0123456789" })).StatusCode);
        var franks = await CreateAsync(frank, "Cy");
        await PostAsync(frank, $"/api/agents/{franks}/chat", new { text = "I love zanzibarfish too." });
        await PostAsync(frank, "/api/memory", new { kind = "fact", text = "Frank rows a zanzibarfish boat." });
        await PutSkillAsync(frank, "frank/zanzibarfish.md", "# Zanzibarfish boats\n\nRow gently.\n");
        await UntilDerivedAsync(erin, first, session);
        await Eventually.TrueAsync(async () => (await ItemsAsync(frank, "/api/search?q=zanzibarfish&k=50")).Count > 0, Bound, "frank's turn is indexed");
        Assert.True(await ArchivedAsync(archive, first) > 0, "the archive holds a copy of erin's turns");

        var delete = await erin.DeleteAsync("/api/me");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        var statusUrl = (await delete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        Assert.Equal(statusUrl, delete.Headers.Location?.ToString());
        await UntilDoneAsync(host, statusUrl);
        var done = await erin.GetFromJsonAsync<JsonElement>(statusUrl);   // the same token reads its deletion
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal("account", done.GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await frank.GetAsync(statusUrl)).StatusCode);   // nobody else does

        // The same token is a new, empty user now: every list, search, media and orchestration route finds nothing of erin's.
        Assert.NotEqual(erinId, (await erin.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString());
        foreach (var path in new[] { "/api/search?q=zanzibarfish&k=50", "/api/skills/search?q=zanzibarfish" })
            Assert.Empty(await ItemsAsync(erin, path));
        foreach (var path in new[] { "/api/agents", "/api/memory", "/api/images", "/api/notifications", "/api/documents", "/api/skills/files", "/api/orchestrations" })
        {
            var body = await erin.GetStringAsync(path);
            Assert.DoesNotContain("zanzibarfish", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(first, body);
            Assert.DoesNotContain(erinId, body);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await erin.GetAsync("/api/notifications/webhook")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await erin.GetAsync(mediaUrl)).StatusCode);
        foreach (var agent in new[] { first, second })
            Assert.Equal(HttpStatusCode.NotFound, (await erin.GetAsync($"/api/agents/{agent}/messages")).StatusCode);
        Assert.Equal(0, await ArchivedAsync(archive, first));
        // And no table of the product keeps a row under the old id (the deletion's own status row aside).
        Assert.Empty(await RowsOfAsync(host.ConnectionString, erinId));

        // Frank still has all of his.
        Assert.NotEmpty(await ItemsAsync(frank, "/api/search?q=zanzibarfish&k=50"));
        Assert.Contains("Frank rows a zanzibarfish boat.", await frank.GetStringAsync("/api/memory"));
        Assert.Contains("frank/zanzibarfish.md", await frank.GetStringAsync("/api/skills/files"));
        Assert.Equal(HttpStatusCode.OK, (await frank.GetAsync($"/api/agents/{franks}")).StatusCode);
    }

    [Fact]
    public async Task An_index_job_or_an_archive_copy_that_read_a_turn_before_its_companion_was_erased_does_not_bring_it_back()
    {
        var (host, archive) = await CreateHostAsync();
        await using var _ = host;
        var user = host.ClientWith($"{Token}:erin");
        var gone = await CreateAsync(user, "Gone");
        var turn = await PostAsync(user, $"/api/agents/{gone}/chat", new { text = "Zanzibarfish tacos tonight!" });
        await Eventually.TrueAsync(async () => (await SearchAsync(user, gone)).Count > 0, Bound, "the turn is indexed");
        var committed = new TurnCommitted((await user.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!, gone,
            turn.GetProperty("sessionId").GetString()!, turn.GetProperty("userMessage").GetProperty("id").GetString()!,
            turn.GetProperty("reply").GetProperty("id").GetString()!, 1, DateTimeOffset.UtcNow);

        // The late jobs read the exchange; right after that read, the companion is deleted and wholly erased.
        var services = host.Services;
        var deletion = services.GetRequiredService<CompanionDeletion>();
        var reader = new DeletingReader(services.GetRequiredService<IConversationReader>(), async () =>
        {
            var started = await deletion.RequestAsync(committed.OwnerId, gone, CancellationToken.None);
            Assert.NotNull(started);
            using var cts = new CancellationTokenSource(Bound);
            Assert.True(await deletion.WaitUntilDoneAsync(started.Id, cts.Token));
        });
        var indexer = new TurnIndexer(services.GetRequiredService<SearchService>(), services.GetRequiredService<DomainRouter>(),
            services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<MemoryOptions>(), reader,
            Guard(services, reader), services.GetRequiredService<ILogger<TurnIndexer>>());

        Assert.Null(await indexer.IndexAsync(committed, CancellationToken.None));
        Assert.Empty(await SearchAsync(user, gone));
        Assert.Equal(0L, await ScalarAsync(host.ConnectionString, "select count(*) from memory.turns where agent_id = $1", gone));

        // The archive's copy job, the same way round (the exchange it read is gone by the time it looks again).
        reader.Rearm(() => Task.CompletedTask, keepFirstExchange: true);
        var mirror = new MirrorTurnFunction(services.GetRequiredService<ArchiveStore>(), reader, services.GetRequiredService<ILogger<MirrorTurnFunction>>());
        await mirror.RunAsync(committed, null!, CancellationToken.None);
        Assert.Equal(0, await ArchivedAsync(archive, gone));
    }

    [Fact]
    public async Task A_summary_or_suggestion_job_that_read_turns_before_their_companion_or_account_was_erased_does_not_bring_them_back()
    {
        var (host, _) = await CreateHostAsync();
        await using var _h = host;
        var services = host.Services;
        var deletion = services.GetRequiredService<CompanionDeletion>();
        var user = host.ClientWith($"{Token}:erin");
        var owner = (await user.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;

        // A suggestion job reads the turn; right after that read, its companion is deleted and wholly erased.
        var suggested = await CreateAsync(user, "Suggested");
        var turn = await DerivedTurnAsync(user, owner, suggested);
        var reader = new DeletingReader(services.GetRequiredService<IConversationReader>(), () => EraseAgentAsync(deletion, owner, suggested));
        Assert.Empty(await Suggestions(services, reader).ExtractAsync(turn, CancellationToken.None));
        Assert.DoesNotContain(await MemoriesAsync(user), m => m.GetProperty("agentId").GetString() == suggested);
        Assert.Equal(0L, await ScalarAsync(host.ConnectionString, "select count(*) from memory.items where agent_id = $1", suggested));

        // A summary job reads the session; right after that read, its companion is deleted and wholly erased.
        var summarised = await CreateAsync(user, "Summarised");
        turn = await DerivedTurnAsync(user, owner, summarised);
        reader = new DeletingReader(services.GetRequiredService<IConversationReader>(), () => EraseAgentAsync(deletion, owner, summarised));
        var request = new SessionSummaryRequested(owner, summarised, turn.SessionId, turn.ReplyMessageId, turn.At);
        Assert.Null(await Summarizer(services, reader).SummariseAsync(request, CancellationToken.None));
        Assert.Equal(0L, await ScalarAsync(host.ConnectionString, "select count(*) from memory.summaries where agent_id = $1", summarised));
        Assert.Equal(0L, await ScalarAsync(host.ConnectionString, "select count(*) from search.documents where agent = $1 and not deleted", summarised));

        // Both jobs again, for a companion whose whole account is deleted while they run.
        var kept = await CreateAsync(user, "Kept");
        turn = await DerivedTurnAsync(user, owner, kept);
        reader = new DeletingReader(services.GetRequiredService<IConversationReader>(), async () =>
        {
            var started = await deletion.RequestAccountAsync(owner, "erin", CancellationToken.None);
            using var cts = new CancellationTokenSource(Bound);
            Assert.True(await deletion.WaitUntilDoneAsync(started.Id, cts.Token));
        });
        Assert.Empty(await Suggestions(services, reader).ExtractAsync(turn, CancellationToken.None));
        reader.Rearm(() => Task.CompletedTask, keepFirstExchange: false);
        Assert.Null(await Summarizer(services, reader).SummariseAsync(new SessionSummaryRequested(owner, kept, turn.SessionId, turn.ReplyMessageId, turn.At), CancellationToken.None));
        Assert.Empty(await RowsOfAsync(host.ConnectionString, owner));
    }

    /// <summary>A turn with a fact and a rare word, once its own jobs have indexed it and drawn a suggestion from it.</summary>
    private static async Task<TurnCommitted> DerivedTurnAsync(HttpClient user, string owner, string agent)
    {
        var turn = await PostAsync(user, $"/api/agents/{agent}/chat", new { text = "My sister Priya lives in Lisbon and loves zanzibarfish." });
        await Eventually.TrueAsync(async () => (await SearchAsync(user, agent)).Count > 0, Bound, "the turn is indexed");
        await Eventually.TrueAsync(async () => (await MemoriesAsync(user)).Any(m => m.GetProperty("agentId").GetString() == agent), Bound, "a suggestion is drawn");
        return new TurnCommitted(owner, agent, turn.GetProperty("sessionId").GetString()!, turn.GetProperty("userMessage").GetProperty("id").GetString()!,
            turn.GetProperty("reply").GetProperty("id").GetString()!, 1, turn.GetProperty("reply").GetProperty("createdAt").GetDateTimeOffset());
    }

    private static async Task EraseAgentAsync(CompanionDeletion deletion, string owner, string agent)
    {
        var started = await deletion.RequestAsync(owner, agent, CancellationToken.None);
        Assert.NotNull(started);
        using var cts = new CancellationTokenSource(Bound);
        Assert.True(await deletion.WaitUntilDoneAsync(started.Id, cts.Token));
    }

    /// <summary>The memory jobs' re-check, reading through the hooked reader.</summary>
    private static ErasedTurnGuard Guard(IServiceProvider services, IConversationReader reader) =>
        new(reader, services.GetRequiredService<MemoryCompanionEraser>(), services.GetRequiredService<DeletedTurnCleanup>(),
            services.GetRequiredService<ILogger<ErasedTurnGuard>>());

    private static SuggestionService Suggestions(IServiceProvider services, DeletingReader reader) =>
        ActivatorUtilities.CreateInstance<SuggestionService>(services, reader, Guard(services, reader));

    private static SessionSummarizer Summarizer(IServiceProvider services, DeletingReader reader) =>
        ActivatorUtilities.CreateInstance<SessionSummarizer>(services, reader, Guard(services, reader));

    private static async Task<(HearthFactory Host, string Archive)> CreateHostAsync()
    {
        var archive = await TestPostgres.CreateDatabaseAsync();
        var clock = new ManualTime(new DateTimeOffset(2025, 3, 4, 13, 5, 0, TimeSpan.Zero));
        var host = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = Token,
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["RateLimits:Pictures:PermitLimit"] = "0",
            ["Chat:SummaryEveryTurns"] = "2",
            ["Life:Enabled"] = "false",
            ["Life:InitiationChance"] = "1",
            ["ConnectionStrings:Archive"] = archive,
        }, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        return (host, archive);
    }

    private static IOrchestrationClient Orchestrations(HearthFactory host) => host.Services.GetRequiredService<IOrchestrationClient>();

    /// <summary>Four turns with a sister, a job and a word only this conversation has; the session's id.</summary>
    private static async Task<string> ChatAsync(HttpClient user, string agent)
    {
        string? session = null;
        foreach (var text in new[] { "My sister Priya lives in Lisbon and loves zanzibarfish.", "I work as a carpenter.", "Zanzibarfish tacos tonight!", "Goodnight." })
            session = (await PostAsync(user, $"/api/agents/{agent}/chat", new { text })).GetProperty("sessionId").GetString();
        return session!;
    }

    /// <summary>A picture of the agent, awaited on its orchestration's end; the job id and the picture's URL.</summary>
    private static async Task<(string Job, string MediaUrl)> PaintAsync(HearthFactory host, HttpClient user, string agent)
    {
        var picture = (await PostAsync(user, $"/api/agents/{agent}/images", new { prompt = "at the beach" })).GetProperty("id").GetString()!;
        var finished = await Orchestrations(host).WaitForCompletionAsync(picture, Bound);
        Assert.True(finished is { Status: OrchestrationRuntimeStatus.Completed }, $"the picture is painted: {finished?.Status} {finished?.Error}");
        var job = await user.GetFromJsonAsync<JsonElement>($"/api/images/{picture}");
        var mediaUrl = job.GetProperty("images")[0].GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(mediaUrl)).StatusCode);
        return (picture, mediaUrl);
    }

    /// <summary>What the turn's jobs derive (index entries, a suggestion, a summary) exists before the deletion.</summary>
    private static async Task UntilDerivedAsync(HttpClient user, string agent, string session)
    {
        await Eventually.TrueAsync(async () => (await SearchAsync(user, agent)).Count > 0, Bound, "the turns are indexed");
        await Eventually.TrueAsync(async () => (await MemoriesAsync(user)).Any(m => m.GetProperty("agentId").GetString() == agent), Bound, "a suggestion is drawn");
        await Eventually.TrueAsync(async () => (await user.GetFromJsonAsync<JsonElement>($"/api/sessions/{session}/summaries")).GetProperty("items").GetArrayLength() > 0,
            Bound, "a summary is written");
    }

    /// <summary>Waits on the deletion's notification (no polling, no clock).</summary>
    private static async Task UntilDoneAsync(HearthFactory host, string statusUrl)
    {
        using var cts = new CancellationTokenSource(Bound);
        Assert.True(await host.Services.GetRequiredService<CompanionDeletion>().WaitUntilDoneAsync(statusUrl.Split('/')[^1], cts.Token));
    }

    private static async Task ImportAsync(HearthFactory host, HttpClient user, string id, string text)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { id, title = "Diary", text }) + "\n", System.Text.Encoding.UTF8, "application/x-ndjson");
        using var imported = await user.PostAsync("/api/documents/import", content);
        Assert.Equal(HttpStatusCode.Accepted, imported.StatusCode);
        var importId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var finished = await Orchestrations(host).WaitForCompletionAsync(importId, Bound);
        Assert.True(finished is { Status: OrchestrationRuntimeStatus.Completed }, $"the import finished: {finished?.Status} {finished?.Error}");
    }

    private static async Task PutSkillAsync(HttpClient user, string path, string text)
    {
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var stored = await user.PostAsync($"/api/skills/files?path={Uri.EscapeDataString(path)}", content);
        Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
    }

    private static async Task<string> CreateAsync(HttpClient user, string name) =>
        (await PostAsync(user, "/api/agents", new { name, timezone = "UTC", occupation = "florist", homeCity = "Lisbon" })).GetProperty("id").GetString()!;

    private static async Task<JsonElement> PostAsync(HttpClient user, string path, object body, bool patch = false)
    {
        var response = patch ? await user.PatchAsJsonAsync(path, body) : await user.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient client, string path) =>
        (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("items").EnumerateArray().ToList();

    private static Task<List<JsonElement>> SearchAsync(HttpClient user, string agentId) => ItemsAsync(user, $"/api/search?q=zanzibarfish&agentId={agentId}&k=50");

    private static Task<List<JsonElement>> MemoriesAsync(HttpClient user) => ItemsAsync(user, "/api/memory");

    private static async Task<int> ArchivedAsync(string archive, string agentId) =>
        (int)await ScalarAsync(archive, "select count(*) from archive.chat_messages where agent_id = $1", agentId);

    private static async Task<long> ScalarAsync(string connectionString, string sql, params object[] values)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>
    /// Every table column named owner/owner_id that holds the id, with its count. The job queue is left out: a finished
    /// job's payload holds ids only and is pruned after the runtime's retention window.
    /// </summary>
    private static async Task<List<string>> RowsOfAsync(string connectionString, string ownerId)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        var columns = new List<(string Schema, string Table, string Column)>();
        await using (var list = db.CreateCommand("""
            select c.table_schema, c.table_name, c.column_name from information_schema.columns c
              join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
             where c.column_name in ('owner', 'owner_id') and c.table_schema not in ('pg_catalog', 'information_schema')
               and not (c.table_schema = 'durable' and c.table_name = 'jobs')
            """))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        Assert.Contains(columns, c => c.Table == "agents");
        var found = new List<string>();
        foreach (var (schema, table, column) in columns)
        {
            // The account's own deletion status stays; the search index keeps emptied tombstones (no text, no vector) until it prunes them.
            var extra = (schema, table) switch
            {
                ("companions", "deletions") => " and kind <> 'account'",
                ("search", "documents") => " and not deleted",
                _ => "",
            };
            var count = await ScalarAsync(connectionString, $"select count(*) from \"{schema}\".\"{table}\" where \"{column}\"::text = $1{extra}", ownerId);
            if (count > 0) found.Add($"{schema}.{table}: {count}");
        }
        return found;
    }

    /// <summary>The chat's reader, with a hook that runs once right after the first exchange or session page is read (the deletion lands there).</summary>
    private sealed class DeletingReader(IConversationReader inner, Func<Task> afterFirstRead) : IConversationReader
    {
        private Func<Task>? _hook = afterFirstRead;
        private ConversationExchange? _kept;
        private bool _keep;

        public void Rearm(Func<Task> hook, bool keepFirstExchange)
        {
            _hook = hook;
            _keep = keepFirstExchange;
        }

        public async Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct)
        {
            var exchange = await inner.GetExchangeAsync(ownerId, replyMessageId, ct);
            if (_keep && _kept is not null && _hook is not null)
            {
                // The archive's first read: hand back the exchange read before the erasure, as a job that read it then would have.
                exchange = _kept;
            }
            _kept ??= exchange;
            if (_hook is { } hook)
            {
                _hook = null;
                await hook();
                return exchange;
            }
            return exchange;
        }

        public async Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct)
        {
            // The indexer reads its exchange as the end of its window: that is its first exchange read.
            var exchanges = await inner.GetExchangesAsync(ownerId, sessionId, upToReplyMessageId, count, ct);
            if (_hook is { } hook)
            {
                _hook = null;
                await hook();
            }
            return exchanges;
        }

        public async Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct)
        {
            var messages = await inner.GetSessionMessagesAsync(ownerId, sessionId, afterMessageId, limit, ct);
            if (_hook is { } hook)
            {
                _hook = null;
                await hook();
            }
            return messages;
        }
    }
}
