using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Postgres;

/// <summary>
/// A PostgreSQL cluster run from the machine's binaries: initdb on first start, loopback only on a free port,
/// password authentication, stopped with its owner. A cluster left running by a killed owner is stopped and
/// started again on the next start. As root the server runs as an unprivileged user (PostgreSQL refuses root).
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private const string SuperUser = "hearth";
    private readonly ClusterOptions _options;
    private readonly PostgresBinaries _binaries;
    private readonly string? _runAs;
    private readonly ILogger _logger;
    private FileStream? _ownerLock;
    private int _stopped;

    private EmbeddedCluster(ClusterOptions options, PostgresBinaries binaries, string? runAs, ILogger logger)
    {
        _options = options;
        _binaries = binaries;
        _runAs = runAs;
        _logger = logger;
    }

    /// <summary>Port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; private set; }

    /// <summary>Connection string to <see cref="ClusterOptions.Database"/>.</summary>
    public string ConnectionString => ConnectionStringFor(_options.Database);

    /// <summary>The folder holding the cluster files (PGDATA).</summary>
    public string ClusterDirectory => Path.Combine(_options.DataDirectory, "pg");

    private string PasswordFile => Path.Combine(_options.DataDirectory, "pg.password");
    // Inside the cluster folder: the server writes it, and as root the server is another user.
    private string LogFile => Path.Combine(ClusterDirectory, "server.log");

    /// <summary>Connection string to another database of this cluster.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = File.ReadAllText(PasswordFile).Trim(),
        Database = database,
    }.ConnectionString;

    /// <summary>Initialises (first time) and starts the cluster, then makes sure the database exists.</summary>
    public static async Task<EmbeddedCluster> StartAsync(ClusterOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        var binaries = options.Binaries ?? PostgresBinaries.FindOrThrow();
        var runAs = Environment.IsPrivilegedProcess ? await ServiceAccount.EnsureAsync(ct) : null;
        var cluster = new EmbeddedCluster(options, binaries, runAs, logger ?? NullLogger.Instance);
        try
        {
            await cluster.StartCoreAsync(ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_options.DataDirectory);
        _ownerLock = TakeOwnership();

        if (!File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
            await InitDbAsync(ct);
        else
            await RecoverLeftoverAsync(ct);

        Port = FreeLoopbackPort();
        var serverOptions = new List<string>
        {
            "-c listen_addresses=127.0.0.1",
            $"-c port={Port}",
            "-c unix_socket_directories=''",
            "-c max_connections=200",
            "-c shared_buffers=128MB",
        };
        if (!_options.Durable)
            serverOptions.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        serverOptions.AddRange(_options.Settings.Select(s => $"-c {s.Key}={s.Value}"));

        _logger.LogInformation("Starting embedded PostgreSQL from {BinDirectory} on 127.0.0.1:{Port}, data in {DataDirectory}",
            _binaries.Directory, Port, ClusterDirectory);
        var start = await RunPgAsync(_binaries.PgCtl,
            ["-D", ClusterDirectory, "-l", LogFile, "-w", "-t", "60", "-o", string.Join(' ', serverOptions), "start"],
            TimeSpan.FromSeconds(90), ct);
        if (start.ExitCode != 0)
            throw new InvalidOperationException($"PostgreSQL did not start (pg_ctl exit {start.ExitCode}).\n{start.Output}\n{TailOfLog()}");

        await EnsureDatabaseAsync(_options.Database, ct);
    }

    /// <summary>Creates a database when it does not exist, optionally from a template database.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default, string? template = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        var sql = $"create database {QuoteIdentifier(database)}" + (template is null ? "" : $" template {QuoteIdentifier(template)}");
        await using var create = new NpgsqlCommand(sql, connection);
        await create.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended, committed data is safe).</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        try
        {
            if (File.Exists(Path.Combine(ClusterDirectory, "postmaster.pid")))
            {
                NpgsqlConnection.ClearAllPools();
                var stop = await RunPgAsync(_binaries.PgCtl, ["-D", ClusterDirectory, "-m", "fast", "-w", "-t", "60", "stop"], TimeSpan.FromSeconds(90), ct);
                if (stop.ExitCode != 0)
                    _logger.LogWarning("pg_ctl stop exited {ExitCode}: {Output}", stop.ExitCode, stop.Output);
            }
        }
        finally
        {
            _ownerLock?.Dispose();
            _ownerLock = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private FileStream TakeOwnership()
    {
        var path = Path.Combine(_options.DataDirectory, "hearth.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(Environment.ProcessId);
            return stream;
        }
        catch (IOException)
        {
            throw new InvalidOperationException(
                $"Another Hearth process is using the data folder {_options.DataDirectory}. " +
                "Stop it, or give this one its own folder with HEARTH_DATA_DIR.");
        }
    }

    private async Task InitDbAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(ClusterDirectory);
        if (!File.Exists(PasswordFile))
        {
            await File.WriteAllTextAsync(PasswordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant(), ct);
            RestrictToOwner(PasswordFile);
        }
        // initdb reads the password from a file it can open as the server's user; hand it a private copy.
        var pwfile = Path.Combine(ClusterDirectory, "..", ".initdb.pw");
        await File.WriteAllTextAsync(pwfile, await File.ReadAllTextAsync(PasswordFile, ct), ct);
        RestrictToOwner(pwfile);
        try
        {
            if (_runAs is not null)
            {
                await GiveToServiceAccountAsync(ClusterDirectory, ct);
                await GiveToServiceAccountAsync(pwfile, ct);
            }
            _logger.LogInformation("Initialising a PostgreSQL cluster in {ClusterDirectory}", ClusterDirectory);
            var init = await RunPgAsync(_binaries.InitDb,
                ["-D", ClusterDirectory, "-U", SuperUser, "--pwfile", Path.GetFullPath(pwfile), "-E", "UTF8", "--locale=C.UTF-8",
                 "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--no-instructions"],
                TimeSpan.FromMinutes(3), ct);
            if (init.ExitCode != 0)
                throw new InvalidOperationException($"initdb failed (exit {init.ExitCode}).\n{init.Output}");
        }
        finally
        {
            File.Delete(pwfile);
        }
    }

    private async Task RecoverLeftoverAsync(CancellationToken ct)
    {
        var pidFile = Path.Combine(ClusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return;
        var status = await RunPgAsync(_binaries.PgCtl, ["-D", ClusterDirectory, "status"], TimeSpan.FromSeconds(30), ct);
        if (status.ExitCode == 0)
        {
            // A server outlived the host that started it (killed host): stop it so this start owns a clean one.
            _logger.LogWarning("Found a PostgreSQL server left running in {ClusterDirectory}; stopping it before starting again", ClusterDirectory);
            var stop = await RunPgAsync(_binaries.PgCtl, ["-D", ClusterDirectory, "-m", "fast", "-w", "-t", "60", "stop"], TimeSpan.FromSeconds(90), ct);
            if (stop.ExitCode != 0)
                throw new InvalidOperationException($"Could not stop the PostgreSQL server left in {ClusterDirectory}.\n{stop.Output}");
        }
        else if (File.Exists(pidFile))
        {
            // Stale lock file from a crashed server whose process is gone; PostgreSQL would refuse to start if its pid was reused.
            File.Delete(pidFile);
        }
    }

    private Task<ProcessRunner.Result> RunPgAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct) =>
        ProcessRunner.RunAsync(file, arguments, _runAs, timeout, ct);

    private async Task GiveToServiceAccountAsync(string path, CancellationToken ct)
    {
        var chown = await ProcessRunner.RunAsync("chown", ["-R", $"{_runAs}:", path], null, TimeSpan.FromMinutes(1), ct);
        if (chown.ExitCode != 0)
            throw new InvalidOperationException($"chown {path} to {_runAs} failed: {chown.Output}");
        var probe = await ProcessRunner.RunAsync("test", ["-w", path], _runAs, TimeSpan.FromSeconds(30), ct);
        if (probe.ExitCode != 0)
            throw new InvalidOperationException(
                $"The data folder {Path.GetFullPath(path)} is not reachable by the user '{_runAs}' that runs PostgreSQL " +
                "(a parent folder is private). Set HEARTH_DATA_DIR to a folder that user can reach, for example /var/lib/hearth.");
    }

    private string TailOfLog()
    {
        try
        {
            return File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(20)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}
