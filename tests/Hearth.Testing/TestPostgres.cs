using Hearth.Postgres;
using Npgsql;

namespace Hearth.Testing;

/// <summary>
/// One throwaway PostgreSQL cluster per test process, started from the local binaries on first use and stopped
/// when the process exits. Each test asks for its own fresh database, so tests never see each other's rows.
/// </summary>
public static class TestPostgres
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "hearth-tests");
    private static readonly Lazy<Task<EmbeddedCluster>> Cluster = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    /// <summary>The shared cluster (started on first call).</summary>
    public static Task<EmbeddedCluster> GetClusterAsync() => Cluster.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string? template = null)
    {
        var cluster = await Cluster.Value;
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await cluster.EnsureDatabaseAsync(name, template: template);
        return cluster.ConnectionStringFor(name);
    }

    /// <summary>Opens a data source on a fresh database.</summary>
    public static async Task<NpgsqlDataSource> CreateDataSourceAsync()
    {
        var connectionString = await CreateDatabaseAsync();
        return NpgsqlDataSource.Create(connectionString);
    }

    private static async Task<EmbeddedCluster> StartAsync()
    {
        RemoveLeftovers();
        var dir = Path.Combine(Root, $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        var cluster = await EmbeddedCluster.StartAsync(new ClusterOptions
        {
            DataDirectory = dir,
            Database = "postgres",
            Durable = false,
            Settings = new Dictionary<string, string> { ["max_connections"] = "400" },
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            cluster.StopAsync().GetAwaiter().GetResult();
            TryDelete(dir);
        };
        return cluster;
    }

    /// <summary>Clusters of test processes that were killed: stop them and delete their folders.</summary>
    private static void RemoveLeftovers()
    {
        if (!Directory.Exists(Root)) return;
        foreach (var dir in Directory.GetDirectories(Root))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name.Split('-')[0], out var pid) || IsAlive(pid)) continue;
            var pidFile = Path.Combine(dir, "pg", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var serverPid) && IsAlive(serverPid))
            {
                try { System.Diagnostics.Process.GetProcessById(serverPid).Kill(); } catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
            }
            TryDelete(dir);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
