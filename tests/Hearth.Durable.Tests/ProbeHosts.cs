using Hearth.Testing;
using Npgsql;

namespace Hearth.Durable.Tests;

/// <summary>Starts Hearth.Durable.TestHost processes against one database, for crash and multi-host tests.</summary>
public sealed class ProbeHosts : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    private ProbeHosts(string connectionString, NpgsqlDataSource db)
    {
        ConnectionString = connectionString;
        Db = db;
    }

    public string ConnectionString { get; }
    public NpgsqlDataSource Db { get; }

    public static async Task<ProbeHosts> CreateAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("""
            create schema probe;
            create table probe.started (key text, worker text, attempt int, at timestamptz default clock_timestamp());
            create table probe.finished (key text, worker text, attempt int, at timestamptz default clock_timestamp());
            create table probe.ticks (occurrence timestamptz, past_due bool, worker text, at timestamptz default clock_timestamp());
            """);
        await command.ExecuteNonQueryAsync();
        return new ProbeHosts(connectionString, db);
    }

    private static string HostDll
    {
        get
        {
            var testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var dll = testDir.Replace("Hearth.Durable.Tests", "Hearth.Durable.TestHost") + "/Hearth.Durable.TestHost.dll";
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build Hearth.Durable.TestHost first.", dll);
        }
    }

    /// <summary>Starts a host and waits until its runtime is ready.</summary>
    public async Task<ChildProcess> StartAsync(string worker, params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?> { ["PROBE_CONNECTION"] = ConnectionString, ["PROBE_WORKER"] = worker };
        foreach (var (key, value) in settings) environment[key] = value;
        var process = ChildProcess.StartDotnet(HostDll, environment);
        _processes.Add(process);
        await process.WaitForOutputAsync("READY", TimeSpan.FromSeconds(60));
        return process;
    }

    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        await Db.DisposeAsync();
    }
}
