using Hearth.Postgres;
using Npgsql;

namespace Hearth.Functions.Hosting;

/// <summary>
/// The database the host uses: the configured <c>ConnectionStrings:Postgres</c>, or (Development only) an embedded
/// cluster started on first use from the local binaries, with its data in HEARTH_DATA_DIR or <c>.data/</c>, and stopped
/// when the host's services are disposed.
/// </summary>
public sealed class PostgresConnection : IAsyncDisposable
{
    private readonly EmbeddedCluster? _cluster;

    private PostgresConnection(string connectionString, EmbeddedCluster? cluster, string? dataDirectory)
    {
        ConnectionString = connectionString;
        _cluster = cluster;
        DataDirectory = dataDirectory;
    }

    public string ConnectionString { get; }

    /// <summary>True when the host runs its own embedded cluster.</summary>
    public bool IsEmbedded => _cluster is not null;

    /// <summary>The embedded cluster's folder (null for an external server).</summary>
    public string? DataDirectory { get; }

    /// <summary>Host name of the server, for status (never the password).</summary>
    public string Host => new NpgsqlConnectionStringBuilder(ConnectionString).Host ?? "";

    internal static PostgresConnection Open(IConfiguration configuration, IHostEnvironment environment, FunctionAppRoot root, ILoggerFactory loggers)
    {
        var configured = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(configured)) return new PostgresConnection(configured, null, null);
        if (!environment.IsDevelopment())
            throw new SettingsException([SettingProblem.Missing("ConnectionStrings:Postgres", "required in Production")]);

        var options = new DatabaseOptions();
        SettingsBinder.Bind(options, configuration);
        var dataDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(options.DataDirectory)
            ? Path.Combine(root.Path, ".data")
            : Path.Combine(root.Path, options.DataDirectory));
        // Blocking once, at start: the data source (and so every hosted service) needs the server running.
        var cluster = EmbeddedCluster.StartAsync(new ClusterOptions { DataDirectory = dataDirectory, Database = "hearth" },
            loggers.CreateLogger("Hearth.Postgres.EmbeddedCluster")).GetAwaiter().GetResult();
        return new PostgresConnection(cluster.ConnectionString, cluster, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.StopAsync();
    }
}
