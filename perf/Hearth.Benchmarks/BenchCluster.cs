using Hearth.Postgres;

namespace Hearth.Benchmarks;

/// <summary>A PostgreSQL cluster for one benchmark session, with default (durable) settings, deleted afterwards.</summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _dir;
    private int _databases;

    private BenchCluster(EmbeddedCluster cluster, string dir)
    {
        Cluster = cluster;
        _dir = dir;
    }

    public EmbeddedCluster Cluster { get; }

    public static async Task<BenchCluster> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hearth-bench", $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        var cluster = await EmbeddedCluster.StartAsync(new ClusterOptions
        {
            DataDirectory = dir,
            Database = "postgres",
            Durable = true,
            Settings = new Dictionary<string, string> { ["max_connections"] = "300" },
        });
        return new BenchCluster(cluster, dir);
    }

    /// <summary>A fresh database for one run.</summary>
    public async Task<string> NewDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}";
        await Cluster.EnsureDatabaseAsync(name);
        return Cluster.ConnectionStringFor(name);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
