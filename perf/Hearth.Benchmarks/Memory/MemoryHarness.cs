using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hearth.Benchmarks.Search;
using Hearth.Chat;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Hearth.Functions.Chat;
using Hearth.Functions.Memory;
using Hearth.Functions.Search;
using Hearth.Functions.Status;
using Hearth.Functions.Identity;
using Hearth.Functions.Hosting;
using Hearth.Functions.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Benchmarks.Memory;

/// <summary>
/// Memory at host level. (1) The real host as a child process (Hearth.Functions.dll): a corpus import of N chunks through
/// POST /api/documents/import (chunks/s from the POST to the import's Completed), then GET /api/search per-query
/// latency per mode over HTTP (auth, routing, JSON included), and the host's RSS. (2) The host composed in process as
/// Program.cs does, with an in-memory conversation reader standing in for the chat: the index-turn function's
/// throughput on a burst of turns, and the delay from a turn's commit to its being indexed at a chat-like pace.
/// </summary>
public sealed class MemoryHarness : IHarness
{
    public string Name => "memory";
    public string Description => "host-level memory: corpus import chunks/s, /api/search p50/p95 per mode, host RSS, index-turn turns/s and commit→indexed delay (--chunks 100000 --queries 500 --turns 2000 --paced 200)";

    private const string Token = "bench-token";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var chunks = options.Int("chunks", 100_000);
        var queries = options.Int("queries", 500);
        var turns = options.Int("turns", 2_000);
        var paced = options.Int("paced", 200);
        var batch = options.Int("batch", 100);
        var parallel = options.Int("parallel", 4);

        var loadBefore = BenchReport.LoadAverage();
        await using var cluster = await BenchCluster.StartAsync();
        var report = new BenchReport("Memory (host level)", $"./bench memory {options}".Trim())
            .Parameter("chunks", chunks).Parameter("queries per mode", queries).Parameter("burst turns", turns).Parameter("paced turns", paced)
            .Parameter("Memory:ImportBatchSize", batch).Parameter("Memory:ImportParallelism", parallel)
            .Columns("measure", "value", "notes");

        var import = await ImportAndSearchAsync(await cluster.NewDatabaseAsync("memory_import"), chunks, queries, batch, parallel, report);
        var turnFigures = await IndexTurnsAsync(await cluster.NewDatabaseAsync("memory_turns"), turns, paced, report);
        report.Row("load average (1 min) at start / end", BenchReport.LoadAverage(),
            $"{loadBefore} / {BenchReport.LoadAverage()} on {Environment.ProcessorCount} cores: above the core count, other work shares the CPU and the timings are inflated");
        report.Note("Import: synthetic chat-like texts (40-120 words, one chunk each) as JSON lines in one request; the clock runs from the POST to the import reading Completed. " +
                    "Search: one query at a time over HTTP with a bearer token, k = 10, one owner holding every chunk (nothing filtered away); the query's embedding is included. " +
                    "RSS: the host process (/proc VmRSS and VmHWM), PostgreSQL runs in its own processes. " +
                    "Turns: TurnCommitted jobs enqueued as the chat turn enqueues them; delay = memory.turns.indexed_at − the job's created_at (the reply's commit).");
        report.Publish();
        return import && turnFigures ? 0 : 1;
    }

    private static async Task<bool> ImportAndSearchAsync(string connectionString, int chunks, int queries, int batch, int parallel, BenchReport report)
    {
        using var host = ImportHostProcess.Start(connectionString, Token, batch, parallel);
        var (process, output, port) = (host.Process, host.Output, host.Port);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            await host.WaitReadyAsync(http);

            // Import: JSON lines streamed from a temporary file.
            var file = Path.Combine(Path.GetTempPath(), $"hearth-bench-import-{Guid.NewGuid():N}.jsonl");
            await using (var writer = new StreamWriter(file, false, new UTF8Encoding(false)))
                for (var i = 0; i < chunks; i++)
                    await writer.WriteLineAsync(JsonSerializer.Serialize(new { id = $"doc-{i}", text = SyntheticCorpus.Chunk(i) }));
            var bytes = new FileInfo(file).Length;
            var clock = Stopwatch.StartNew();
            HttpResponseMessage accepted;
            await using (var body = File.OpenRead(file))
            {
                var content = new StreamContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                accepted = await http.PostAsync("api/documents/import", content);
            }
            var staged = clock.Elapsed.TotalSeconds;
            File.Delete(file);
            if (accepted.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"Import answered {accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync()}");
            var statusUrl = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!.TrimStart('/');
            JsonElement status;
            while (true)
            {
                status = await http.GetFromJsonAsync<JsonElement>(statusUrl);
                if (status.GetProperty("status").GetString() is "Completed" or "Failed" or "Terminated") break;
                await Task.Delay(250);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            var importReport = status.GetProperty("report");
            var indexed = importReport.GetProperty("chunks").GetInt32();
            Console.WriteLine($"import: {indexed:N0} chunks in {seconds:F1} s ({indexed / seconds:N0} chunks/s), staging {staged:F1} s, failed {importReport.GetProperty("failed").GetInt32()}");
            report.Row("corpus import, chunks/s (POST → Completed)", indexed / seconds, $"{indexed:N0} chunks from {chunks:N0} documents ({bytes / 1e6:N0} MB of JSON lines) in {seconds:F1} s; the POST (parse + stage) took {staged:F1} s; {importReport.GetProperty("failed").GetInt32()} failed");

            // What any authenticated request costs here, for comparison.
            var baseline = new List<double>(queries);
            for (var i = 0; i < queries + 30; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync("api/me");
                await response.Content.ReadAsStringAsync();
                if (i >= 30) baseline.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            baseline.Sort();
            Console.WriteLine($"GET /api/me: p50 {BenchReport.Percentile(baseline, 50):F2} ms, p95 {BenchReport.Percentile(baseline, 95):F2} ms");
            report.Row("GET /api/me (baseline request), p50 / p95 ms", BenchReport.Percentile(baseline, 95),
                $"{BenchReport.Percentile(baseline, 50):F2} / {BenchReport.Percentile(baseline, 95):F2} ms");

            foreach (var mode in new[] { "bm25", "vector", "hybrid" })
            {
                for (var i = 0; i < 30; i++) await http.GetAsync(SearchUrl(100_000 + i, chunks, mode));
                var times = new List<double>(queries);
                long hits = 0;
                for (var i = 0; i < queries; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.GetAsync(SearchUrl(i, chunks, mode));
                    var json = await response.Content.ReadFromJsonAsync<JsonElement>();
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    hits += json.GetProperty("items").GetArrayLength();
                }
                times.Sort();
                Console.WriteLine($"search {mode}: p50 {BenchReport.Percentile(times, 50):F2} ms, p95 {BenchReport.Percentile(times, 95):F2} ms");
                report.Row($"GET /api/search {mode}, p50 / p95 / p99 ms", BenchReport.Percentile(times, 95),
                    $"{BenchReport.Percentile(times, 50):F2} / {BenchReport.Percentile(times, 95):F2} / {BenchReport.Percentile(times, 99):F2} ms; {hits / (double)queries:F1} hits per query");
            }
            var (rss, peak) = Rss(process.Id);
            Console.WriteLine($"host RSS {rss / 1e6:N0} MB, peak {peak / 1e6:N0} MB");
            report.Row("host RSS after the queries, MB", rss / 1e6, $"peak {peak / 1e6:N0} MB (the host holds the {indexed:N0}-chunk index in memory)");
            return status.GetProperty("status").GetString() == "Completed";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (output) Console.Error.WriteLine($"{e.Message}\nHost output:\n{output}");
            throw;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    private static string SearchUrl(int i, int chunks, string mode) =>
        $"api/search?q={Uri.EscapeDataString(SyntheticCorpus.Query(i % chunks, SyntheticCorpus.Chunk))}&k=10&mode={mode}";

    private static async Task<bool> IndexTurnsAsync(string connectionString, int turns, int paced, BenchReport report)
    {
        var conversations = new BenchConversations();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Auth:DevToken"] = Token,
            ["Urls"] = $"http://127.0.0.1:{ImportHostProcess.FreePort()}",
            ["AzureFunctionsJobHost:logging:logLevel:default"] = "Warning",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddHearthHost();
        builder.AddIdentity();
        builder.AddStatus();
        builder.AddManagement();
        builder.AddSearch();
        builder.AddMemory();
        builder.Services.AddChatModels(); // none configured: summaries and suggestions by the rules
        builder.Services.AddSingleton<IConversationReader>(conversations);
        await using var app = builder.Build();
        app.UseHearthHost();
        app.MapMemoryApi();
        await app.StartAsync();
        await app.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
        var db = app.Services.GetRequiredService<NpgsqlDataSource>();
        var jobs = app.Services.GetRequiredService<IJobClient>();

        // Burst: every turn enqueued at once (many sessions), measured until all are indexed.
        var burst = Enumerable.Range(0, turns).Select(i => conversations.Add($"00000000-0000-4000-8000-{i % 10:D12}", $"session-{i % 200}", SyntheticCorpus.Chunk(i), SyntheticCorpus.Chunk(i + 1_000_000))).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var part in burst.Chunk(500))
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await jobs.EnqueueManyAsync(part.Select(t => new JobRequest(ChatQueues.IndexTurn, t)).ToList(), tx);
            await tx.CommitAsync();
        }
        await WaitIndexedAsync(db, turns);
        var perSecond = turns / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"index-turn burst: {perSecond:N0} turns/s");
        report.Row("index-turn function, turns/s (burst)", perSecond, $"{turns:N0} turns enqueued at once over 200 sessions; each turn = 2 documents (exchange + window)");

        // Paced: one turn every 50 ms (a busy chat), delay from commit to indexed.
        var start = await CountAsync(db);
        for (var i = 0; i < paced; i++)
        {
            var turn = conversations.Add("00000000-0000-4000-8000-0000000000ff", "session-paced", SyntheticCorpus.Chunk(2_000_000 + i), SyntheticCorpus.Chunk(3_000_000 + i));
            await using (var connection = await db.OpenConnectionAsync())
            await using (var tx = await connection.BeginTransactionAsync())
            {
                await jobs.EnqueueManyAsync([new JobRequest(ChatQueues.IndexTurn, turn), new JobRequest(ChatQueues.ExtractSuggestions, turn)], tx);
                await tx.CommitAsync();
            }
            await Task.Delay(50);
        }
        await WaitIndexedAsync(db, start + paced);
        var delays = new List<double>();
        await using (var command = db.CreateCommand("""
            select extract(epoch from t.indexed_at - j.created_at) * 1000 from memory.turns t
              join durable.jobs j on j.queue = 'memory.index-turn' and j.payload->>'replyMessageId' = t.reply_message_id
             where t.owner_id = 'owner-paced'
            """))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) delays.Add((double)reader.GetDecimal(0));
        delays.Sort();
        Console.WriteLine($"commit → indexed: p50 {BenchReport.Percentile(delays, 50):F0} ms, p95 {BenchReport.Percentile(delays, 95):F0} ms, max {delays[^1]:F0} ms");
        report.Row("chat turn commit → indexed (searchable), p50 / p95 / max ms", BenchReport.Percentile(delays, 95),
            $"{BenchReport.Percentile(delays, 50):F0} / {BenchReport.Percentile(delays, 95):F0} / {delays[^1]:F0} ms over {delays.Count} turns at 20 turns/s (with suggestion extraction running alongside); target ≤ 2,000 ms");
        await app.StopAsync();
        return delays.Count == paced;
    }

    private static async Task WaitIndexedAsync(NpgsqlDataSource db, long expected)
    {
        var deadline = Stopwatch.StartNew();
        while (await CountAsync(db) < expected)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException("Turns were not indexed within 30 minutes.");
            await Task.Delay(20);
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("select count(*) from memory.turns");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static (long Rss, long Peak) Rss(int pid)
    {
        long Read(string key) => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();
        return (Read("VmRSS"), Read("VmHWM"));
    }

    /// <summary>The chat's conversations, in memory: enough of IConversationReader for the index-turn function.</summary>
    private sealed class BenchConversations : IConversationReader
    {
        private readonly Dictionary<string, List<ConversationExchange>> _sessions = new();
        private readonly Dictionary<string, ConversationExchange> _byReply = new();
        private readonly Lock _lock = new();
        private DateTimeOffset _clock = DateTimeOffset.UtcNow;

        public TurnCommitted Add(string owner, string session, string user, string reply)
        {
            lock (_lock)
            {
                _clock = _clock.AddMilliseconds(10);
                var u = new ConversationMessage(Guid.NewGuid().ToString(), owner, "agent", session, "user", user, _clock);
                var r = new ConversationMessage(Guid.NewGuid().ToString(), owner, "agent", session, "agent", reply, _clock.AddMilliseconds(1));
                var exchange = new ConversationExchange(u, r);
                if (!_sessions.TryGetValue(owner + "/" + session, out var list)) _sessions[owner + "/" + session] = list = [];
                list.Add(exchange);
                _byReply[r.Id] = exchange;
                return new TurnCommitted(owner, "agent", session, u.Id, r.Id, list.Count, r.CreatedAt);
            }
        }

        public Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct)
        {
            lock (_lock) return Task.FromResult(_byReply.TryGetValue(replyMessageId, out var e) && e.User.OwnerId == ownerId ? e : null);
        }

        public Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct)
        {
            lock (_lock)
            {
                if (!_sessions.TryGetValue(ownerId + "/" + sessionId, out var list)) return Task.FromResult<IReadOnlyList<ConversationExchange>>([]);
                var end = list.FindIndex(e => e.Reply.Id == upToReplyMessageId);
                return Task.FromResult<IReadOnlyList<ConversationExchange>>(list.Take(end + 1).TakeLast(count).ToList());
            }
        }

        public Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct)
        {
            lock (_lock)
            {
                if (!_sessions.TryGetValue(ownerId + "/" + sessionId, out var list)) return Task.FromResult<IReadOnlyList<ConversationMessage>>([]);
                var messages = list.SelectMany(e => new[] { e.User, e.Reply }).ToList();
                var start = afterMessageId is null ? 0 : messages.FindIndex(m => m.Id == afterMessageId) + 1;
                return Task.FromResult<IReadOnlyList<ConversationMessage>>(messages.Skip(start).Take(limit).ToList());
            }
        }
    }
}
