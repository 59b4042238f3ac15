using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Hearth.Benchmarks.Chat;

/// <summary>
/// Chat turns over HTTP against the real host (Release, a child process) on an embedded PostgreSQL with the offline
/// model: users each talking to their own agent, driven by autocannon (installed into perf/load from npm) at 1, 8, 32
/// and 128 concurrent users as fast as answers come, then 32 paced users (each sending every 32/rate s) at fixed overall rates.
/// </summary>
public sealed class ChatHarness : IHarness
{
    public string Name => "chat";
    public string Description => "chat turns/s and latency p50/p95/p99 over HTTP, offline model (--duration 15 --runs 3 --users 1,8,32,128 --rate 250,500 --embedder local|hashing --threads N [diagnostics: --no-notify, --statements])";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var duration = options.Int("duration", 15);
        var runs = options.Int("runs", 3);
        var users = (options.Get("users") ?? "1,8,32,128").Split(',').Select(u => int.Parse(u, CultureInfo.InvariantCulture)).ToArray();
        var rates = (options.Get("rate") ?? "250,500").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).Where(r => r > 0).ToArray();
        // The product's default embeds each question with the local model; hashing costs next to nothing (the difference is the embedding).
        var embedder = options.Get("embedder") ?? "local";
        if (embedder is not ("local" or "hashing")) throw new ArgumentException("--embedder must be local or hashing.");
        var loadDir = Path.Combine(Repository.Root, "perf", "load");
        await InstallAsync(loadDir);

        // Diagnostic: the database's statements per turn (pg_stat_statements), printed after each row.
        var statements = options.Flag("statements");
        await using var cluster = await BenchCluster.StartAsync(statements);
        var connectionString = await cluster.NewDatabaseAsync("chat");
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        using var host = StartHost(connectionString, baseUrl, embedder, options.Get("threads"));
        try
        {
            await WaitReadyAsync(host, baseUrl);
            if (options.Flag("no-notify"))
            {
                // Diagnostic only (not a product setting): shows what the enqueue trigger's NOTIFY costs the turn's commit.
                await using var db = Npgsql.NpgsqlDataSource.Create(connectionString);
                await using var command = db.CreateCommand("alter table durable.jobs disable trigger jobs_notify");
                await command.ExecuteNonQueryAsync();
            }
            var clients = await CreateAgentsAsync(baseUrl, users.Max());
            var clientsJson = JsonSerializer.Serialize(clients.Select(c => new { token = c.Token, agentId = c.AgentId }));
            await ProbeOfflineAsync(baseUrl, clients[0]);

            Console.WriteLine("warm-up…");
            await LoadAsync(loadDir, baseUrl, clientsJson, 8, 5, 0);
            // A database in service has statistics; one grown from empty a second ago does not (its plans would scan
            // whole histories). Autovacuum would get here within a minute; do it now.
            await using (var db = Npgsql.NpgsqlDataSource.Create(connectionString))
            await using (var analyze = db.CreateCommand("analyze"))
                await analyze.ExecuteNonQueryAsync();

            var report = new BenchReport("Chat turns over HTTP (offline model)", $"./bench chat {options}".Trim())
                .Parameter("embedder", embedder == "local" ? "local model (snowflake-arctic-embed-xs, the default)" : "hashing")
                .Parameter("ONNX Runtime threads per run", options.Get("threads") ?? "default (1 per run, one run per core)")
                .Parameter("duration per row (s)", duration).Parameter("agents", clients.Count)
                .Parameter("runs per row (median)", runs)
                .Columns("concurrent users", "load", "turns/s", "runs (turns/s)", "p50 ms", "p95 ms", "p99 ms", "errors", "CPU ms/turn host",
                    "of which embedding", "texts embedded/turn", "CPU ms/turn db", "CPU ms/turn load client", "turns/s ÷ first row");
            var cpu = new CpuMeter(host.Id, cluster.Cluster?.ClusterDirectory ?? "");
            double? first = null;
            // Each row is run `runs` times; the row shows the run with the median throughput (its latencies and CPU with it).
            async Task RowAsync(int count, string load, int rate)
            {
                var results = new List<(LoadResult Result, double HostMs, double DbMs, double ClientMs, double EmbedMs, double Texts)>();
                for (var run = 0; run < runs; run++)
                {
                    var before = cpu.Read();
                    var clientBefore = CpuMeter.ChildrenMs();
                    var workBefore = await EmbeddingWorkAsync(baseUrl);
                    if (statements) await ResetStatementsAsync(connectionString);
                    var r = await LoadAsync(loadDir, baseUrl, clientsJson, count, duration, rate);
                    var turns = r.PerSecond * duration;
                    var (hostMs, dbMs) = cpu.PerTurn(before, turns);
                    var clientMs = (CpuMeter.ChildrenMs() - clientBefore) / turns;
                    var workAfter = await EmbeddingWorkAsync(baseUrl);
                    results.Add((r, hostMs, dbMs, clientMs, (workAfter.CpuMs - workBefore.CpuMs) / turns, (workAfter.Texts - workBefore.Texts) / turns));
                    Console.WriteLine($"{count} users, {load}, run {run + 1}: {r.PerSecond:N0} turns/s, p50 {r.P50:0.0} ms, p95 {r.P95:0.0} ms, p99 {r.P99:0.0} ms, errors {r.Errors}, CPU ms/turn host {hostMs:0.00} db {dbMs:0.00}");
                    if (statements) await PrintStatementsAsync(connectionString, turns);
                }
                var median = results.OrderBy(x => x.Result.PerSecond).ElementAt(results.Count / 2);
                first ??= median.Result.PerSecond;
                report.Row(count, load, median.Result.PerSecond, string.Join(" / ", results.Select(x => x.Result.PerSecond.ToString("N0", CultureInfo.InvariantCulture))),
                    median.Result.P50, median.Result.P95, median.Result.P99, results.Sum(x => x.Result.Errors), median.HostMs,
                    embedder == "local" ? median.EmbedMs : "—", embedder == "local" ? median.Texts : "—", median.DbMs, median.ClientMs,
                    $"{median.Result.PerSecond / first.Value:0.00}×");
            }
            foreach (var count in users) await RowAsync(count, "closed loop (as fast as answers come)", 0);
            foreach (var rate in rates) await RowAsync(32, $"paced: {rate} turns/s overall", rate);
            report.Note("Each user is a dev-token user with their own agent; a turn is POST /api/agents/{id}/chat with one of six texts in turn (no client message id). " +
                        "The host runs in Release as a child process (Development, dev tokens, Chat rate limit off, logs at Warning) on a durable embedded PostgreSQL; " +
                        "the offline responder answers, so the figures are the turn's own overhead: auth, one read batch, prompt, guard, one write transaction with the side-effect jobs. " +
                        "Paced rows: 32 users, each sending a turn every 32/rate seconds (arrivals spread evenly) and waiting for its answer, from a small Node client in perf/load/chat-load.mjs (autocannon's rate options send in bursts each second). The load generator runs on the same 2 cores as the host and the database. Latency is per response, measured by the client. " +
                        "CPU per turn: the host process and the database's processes from /proc; of the host's, the local model's own (tokenizing and ONNX runs, on the threads that ran them, from /api/status `providers.search.embeddingWork`); texts embedded per turn from the same counter (the question, once); the load client's from the bench's reaped children.");
            report.Publish();
            return 0;
        }
        finally
        {
            if (!host.HasExited) host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    private sealed record Client(string Token, string AgentId);

    private sealed record LoadResult(double PerSecond, double P50, double P95, double P99, long Errors);

    private static async Task InstallAsync(string loadDir)
    {
        if (Directory.Exists(Path.Combine(loadDir, "node_modules", "autocannon"))) return;
        Console.WriteLine("installing autocannon into perf/load …");
        var install = Process.Start(new ProcessStartInfo("npm", "install --no-audit --no-fund --loglevel=error") { WorkingDirectory = loadDir })
            ?? throw new InvalidOperationException("npm could not be started: install Node.js and npm (Debian: apt-get install -y nodejs npm).");
        await install.WaitForExitAsync();
        if (install.ExitCode != 0) throw new InvalidOperationException($"npm install in {loadDir} failed with {install.ExitCode}.");
    }

    private static Process StartHost(string connectionString, string baseUrl, string embedder, string? threads)
    {
        var dll = Path.Combine(Repository.Root, "functions", "bin", "Release", "net10.0", "Hearth.Functions.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing: build with ./bench (it builds Release).");
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { dll }, WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Models__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                     || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("Auth__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = baseUrl;
        if (embedder == "hashing") start.Environment["Models__Embeddings__Provider"] = "Hashing";
        if (threads is not null) start.Environment["Models__Embeddings__Threads"] = threads;
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Auth__DevToken"] = "bench-token";
        start.Environment["RateLimits__Chat__PermitLimit"] = "0";
        start.Environment["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning";
        // The turn enqueues memory jobs whose functions belong to another feature; without them registered, idle workers
        // would rescan the growing ready backlog on every enqueue notification. Measure the turn, not that.
        start.Environment["AzureFunctionsJobHost__extensions__queues__enabled"] = "false";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line && line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)) Console.WriteLine(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Console.Error.WriteLine(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(Process host, string baseUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (host.HasExited) throw new InvalidOperationException($"The host exited with {host.ExitCode} before it was ready.");
            try
            {
                if ((await http.GetAsync($"{baseUrl}/readyz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException("The host was not ready within 90 s.");
    }

    private static async Task<List<Client>> CreateAgentsAsync(string baseUrl, int count)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var clients = new List<Client>();
        string[] cities = ["Lisbon", "Tokyo", "Berlin", "Chicago"];
        string[] zones = ["Europe/Lisbon", "Asia/Tokyo", "Europe/Berlin", "America/Chicago"];
        for (var i = 0; i < count; i++)
        {
            var token = $"bench-token:user{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agents")
            {
                Content = JsonContent.Create(new { name = $"Agent {i}", timezone = zones[i % 4], homeCity = cities[i % 4], occupation = "florist", bio = "Loves plants and long walks." }),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var agent = await response.Content.ReadFromJsonAsync<JsonElement>();
            clients.Add(new Client(token, agent.GetProperty("id").GetString()!));
        }
        return clients;
    }

    private static async Task ProbeOfflineAsync(string baseUrl, Client client)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agents/{client.AgentId}/chat") { Content = JsonContent.Create(new { text = "hello" }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", client.Token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var turn = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (turn.GetProperty("provider").GetString() != "offline")
            throw new InvalidOperationException("The benchmark measures the offline model, but another provider answered (is Models:Chat configured?).");
    }

    private static async Task<LoadResult> LoadAsync(string loadDir, string baseUrl, string clientsJson, int connections, int duration, int rate)
    {
        var info = new ProcessStartInfo("node", "chat-load.mjs") { WorkingDirectory = loadDir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["LOAD_URL"] = baseUrl;
        info.Environment["LOAD_CLIENTS"] = clientsJson;
        info.Environment["LOAD_CONNECTIONS"] = connections.ToString(CultureInfo.InvariantCulture);
        info.Environment["LOAD_DURATION"] = duration.ToString(CultureInfo.InvariantCulture);
        info.Environment["LOAD_RATE"] = rate.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"chat-load.mjs printed no result (exit {process.ExitCode}):\n{stdout}\n{await stderr}");
        var r = JsonDocument.Parse(line["RESULT ".Length..]).RootElement;
        return new LoadResult(r.GetProperty("perSecond").GetDouble(), r.GetProperty("p50").GetDouble(), r.GetProperty("p95").GetDouble(), r.GetProperty("p99").GetDouble(),
            r.GetProperty("non2xx").GetInt64() + r.GetProperty("errors").GetInt64() + r.GetProperty("timeouts").GetInt64());
    }

    private static async Task ResetStatementsAsync(string connectionString)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("create extension if not exists pg_stat_statements; select pg_stat_statements_reset();");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The statements this database ran since the reset, per turn, the costliest first (execution time; planning is not tracked).</summary>
    private static async Task PrintStatementsAsync(string connectionString, double turns)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("""
            select s.calls, s.total_exec_time, s.rows, regexp_replace(left(s.query, 160), '\s+', ' ', 'g')
              from pg_stat_statements s join pg_database d on d.oid = s.dbid
             where d.datname = current_database() and s.query not like '%pg_stat_statements%'
             order by s.total_exec_time desc
            """);
        await using var reader = await command.ExecuteReaderAsync();
        double calls = 0, ms = 0;
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            calls += reader.GetInt64(0);
            ms += reader.GetDouble(1);
            lines.Add($"  {reader.GetInt64(0) / turns,6:0.00}/turn {reader.GetDouble(1) / turns,7:0.000} ms/turn {reader.GetInt64(2) / Math.Max(1, reader.GetInt64(0)),5} rows/call  {reader.GetString(3)}");
        }
        Console.WriteLine($"statements: {calls / turns:0.00} per turn, {ms / turns:0.000} ms of execution per turn");
        foreach (var line in lines.Take(40)) Console.WriteLine(line);
    }

    /// <summary>The local model's work counters from the admin status (zero with the hashing embedder).</summary>
    private static async Task<(double Texts, double CpuMs)> EmbeddingWorkAsync(string baseUrl)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "bench-token");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        return status.GetProperty("providers").GetProperty("search").TryGetProperty("embeddingWork", out var work) && work.ValueKind == JsonValueKind.Object
            ? (work.GetProperty("texts").GetDouble(), work.GetProperty("cpuMs").ValueKind == JsonValueKind.Number ? work.GetProperty("cpuMs").GetDouble() : double.NaN)
            : (0, 0);
    }

    /// <summary>CPU time of the host process and of the cluster's server processes (postmaster and its children), from /proc.</summary>
    private sealed class CpuMeter(int hostPid, string clusterDirectory)
    {
        // With HEARTH_BENCH_SERVER (no cluster of the bench's own) the database's CPU is not measured: 0.
        private readonly int _postmaster = clusterDirectory.Length == 0 ? -1
            : int.Parse(File.ReadLines(Path.Combine(clusterDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

        public (double Host, double Db) Read()
        {
            double host = 0, db = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
                string stat;
                try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var ms = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) * 1000 / TicksPerSecond;
                if (pid == hostPid) host += ms;
                else if (pid == _postmaster || ppid == _postmaster) db += ms;
            }
            return (host, db);
        }

        /// <summary>CPU time of this process's finished, reaped children (the load client after each row), from /proc/self/stat.</summary>
        public static double ChildrenMs()
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture)) * 1000 / TicksPerSecond;
        }

        public (double Host, double Db) PerTurn((double Host, double Db) before, double turns)
        {
            var after = Read();
            return turns <= 0 ? (double.NaN, double.NaN) : ((after.Host - before.Host) / turns, (after.Db - before.Db) / turns);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
