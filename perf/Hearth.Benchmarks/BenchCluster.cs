using Hearth.Postgres;

namespace Hearth.Benchmarks;

/// <summary>A PostgreSQL cluster for one benchmark session, with default (durable) settings, deleted afterwards.</summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly string? _dir;
    private readonly string? _server;
    private int _databases;

    private BenchCluster(EmbeddedCluster? cluster, string? dir, string? server)
    {
        Cluster = cluster;
        _dir = dir;
        _server = server;
    }

    public EmbeddedCluster? Cluster { get; }

    /// <summary>
    /// Starts a cluster for this session, or — with <c>HEARTH_BENCH_SERVER</c> set to a connection string — uses that
    /// server (handy for profiling one server across runs of several systems).
    /// With <paramref name="statementStatistics"/>, the server loads pg_stat_statements (a diagnostic: it costs a little CPU per statement).
    /// </summary>
    public static async Task<BenchCluster> StartAsync(bool statementStatistics = false)
    {
        if (Environment.GetEnvironmentVariable("HEARTH_BENCH_SERVER") is { Length: > 0 } server)
            return new BenchCluster(null, null, server);
        var dir = Path.Combine(Path.GetTempPath(), "hearth-bench", $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        var cluster = await EmbeddedCluster.StartAsync(new ClusterOptions
        {
            DataDirectory = dir,
            Database = "postgres",
            Durable = true,
            Settings = statementStatistics
                ? new Dictionary<string, string> { ["max_connections"] = "300", ["shared_preload_libraries"] = "pg_stat_statements" }
                : new Dictionary<string, string> { ["max_connections"] = "300" },
        });
        return new BenchCluster(cluster, dir, null);
    }

    /// <summary>A fresh database for one run.</summary>
    public async Task<string> NewDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        if (Cluster is not null)
        {
            await Cluster.EnsureDatabaseAsync(name);
            return Cluster.ConnectionStringFor(name);
        }
        await using (var connection = new Npgsql.NpgsqlConnection(_server))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"create database \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(_server) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (Cluster is null || _dir is null) return;
        await Cluster.StopAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
