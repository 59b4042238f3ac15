using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Postgres;
using Hearth.Testing;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Proof.Tests.Chaos;

/// <summary>
/// PostgreSQL restarted (fast shutdown, as a failover or an upgrade does) while eight users chat: every turn that was
/// answered is in the database afterwards, turns caught by the restart fail with 503 and Retry-After (never a 500, never a
/// hang), the service answers again within 10 s of the database being back, and retrying the failed turns with their
/// client message ids makes each exchange exactly once.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class PostgresRestartTests : IAsyncLifetime
{
    private const int Users = 8;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "hearth-proof-pg", Guid.NewGuid().ToString("N")[..10]);
    private EmbeddedCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await EmbeddedCluster.StartAsync(new ClusterOptions { DataDirectory = _dataDirectory, Database = "chaos" });

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed record Turn(string User, string AgentId, string ClientMessageId, HttpStatusCode? Status, string? ReplyId, string? Error);

    [Fact]
    public async Task No_answered_turn_is_lost_and_the_service_recovers_within_10_seconds()
    {
        await using var factory = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _cluster.ConnectionString,
            ["Auth:DevToken"] = "chaos",
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["Media:Root"] = Path.Combine(_dataDirectory, "media"),
        });
        var clients = Enumerable.Range(0, Users).Select(i => factory.ClientWith($"chaos:user{i}")).ToList();
        foreach (var client in clients) client.Timeout = TimeSpan.FromSeconds(30); // a hung request fails the test
        var agents = new List<string>();
        foreach (var client in clients) agents.Add(await ProofHost.CreateAgentAsync(client));

        var turns = new ConcurrentQueue<Turn>();
        var answered = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Users).Select(u => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var turn = await SendAsync(clients[u], $"user{u}", agents[u], $"u{u}-t{i}");
                turns.Enqueue(turn);
                if (turn.Status == HttpStatusCode.OK) Interlocked.Increment(ref answered);
            }
        })).ToList();

        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref answered) >= 40), TimeSpan.FromSeconds(60), "40 turns before the restart");
        var restart = Stopwatch.StartNew();
        await RestartPostgresAsync();
        var back = restart.Elapsed;

        // Recovery: a turn answered within 10 s of the database accepting connections again.
        var answeredAtRestart = Volatile.Read(ref answered);
        var recovered = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref answered) > answeredAtRestart + Users), TimeSpan.FromSeconds(10),
            "turns answered again within 10 s of PostgreSQL being back");
        var recovery = recovered.Elapsed;
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref answered) >= answeredAtRestart + 40), TimeSpan.FromSeconds(60), "40 more turns");
        stop.Cancel();
        await Task.WhenAll(load);

        var all = turns.ToList();
        var failed = all.Where(t => t.Status != HttpStatusCode.OK).ToList();
        Assert.True(failed.All(t => t.Status == HttpStatusCode.ServiceUnavailable),
            "Turns that failed otherwise than with 503: " + string.Join("; ", failed.Where(t => t.Status != HttpStatusCode.ServiceUnavailable).Take(5).Select(t => $"{t.ClientMessageId} {t.Status} {t.Error}")));

        // Nothing answered is lost.
        await using var db = NpgsqlDataSource.Create(_cluster.ConnectionString);
        var stored = new HashSet<string>();
        await using (var reader = await db.CreateCommand("select id::text from chat.messages where role = 'agent'").ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored.Add(reader.GetString(0));
        var lost = all.Where(t => t.Status == HttpStatusCode.OK && !stored.Contains(t.ReplyId!)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} answered turns are not in the database: " + string.Join(", ", lost.Take(5).Select(t => t.ClientMessageId)));

        // Retried with the same ids, the failed turns happen exactly once.
        foreach (var turn in failed)
        {
            var retry = await SendAsync(clients[int.Parse(turn.User[4..])], turn.User, turn.AgentId, turn.ClientMessageId);
            Assert.Equal(HttpStatusCode.OK, retry.Status);
        }
        await using var duplicates = db.CreateCommand(
            "select count(*) from (select client_message_id from chat.messages where role = 'user' group by agent_id, client_message_id having count(*) > 1) d");
        Assert.Equal(0L, (long)(await duplicates.ExecuteScalarAsync())!);
        await using var exchanges = db.CreateCommand("select count(*) from chat.messages where role = 'user'");
        Assert.Equal((long)all.Select(t => t.ClientMessageId).Distinct().Count(), (long)(await exchanges.ExecuteScalarAsync())!);

        // For the record (the figures are measured, the 10 s bound is asserted above).
        Console.WriteLine($"chaos: {all.Count} turns, {failed.Count} failed with 503 during the restart; PostgreSQL back after {back.TotalSeconds:F1} s; answering again {recovery.TotalSeconds:F1} s later");
    }

    private static async Task<Turn> SendAsync(HttpClient client, string user, string agentId, string clientMessageId)
    {
        try
        {
            using var response = await client.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text = "Tell me about your day!", clientMessageId });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var retryAfter = response.Headers.RetryAfter is null ? " (no Retry-After)" : "";
                var status = response.StatusCode == HttpStatusCode.ServiceUnavailable && retryAfter.Length > 0 ? HttpStatusCode.InternalServerError : response.StatusCode;
                return new Turn(user, agentId, clientMessageId, status, null, await response.Content.ReadAsStringAsync() + retryAfter);
            }
            var turn = await response.Content.ReadFromJsonAsync<JsonElement>();
            return new Turn(user, agentId, clientMessageId, HttpStatusCode.OK, turn.GetProperty("reply").GetProperty("id").GetString(), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Turn(user, agentId, clientMessageId, null, null, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary><c>pg_ctl restart -m fast</c> as the cluster's owner: same port, same options, sessions cut.</summary>
    private async Task RestartPostgresAsync()
    {
        var pgCtl = PostgresBinaries.FindOrThrow().PgCtl;
        var start = Environment.IsPrivilegedProcess
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", await OwnerOfAsync(_cluster.ClusterDirectory), "--", pgCtl } }
            : new ProcessStartInfo(pgCtl);
        // -l: the restarted server writes to its log, not to our pipe (which it would hold open for ever).
        foreach (var argument in new[] { "-D", _cluster.ClusterDirectory, "-l", Path.Combine(_cluster.ClusterDirectory, "server.log"), "-m", "fast", "-w", "-t", "60", "restart" }) start.ArgumentList.Add(argument);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_ctl restart failed: {output}");
    }

    private static async Task<string> OwnerOfAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true })!;
        var owner = (await stat.StandardOutput.ReadToEndAsync()).Trim();
        await stat.WaitForExitAsync();
        return owner;
    }
}
