using Hearth.Durable.Migrations;
using Npgsql;

namespace Hearth.Archive;

/// <summary>
/// The archive database, when one is configured (<c>ConnectionStrings:Archive</c>): its own connection pool, its
/// migrations (module <c>archive</c>, applied at start by <see cref="ArchiveMigrationService"/>), and the
/// <see cref="IArchiveMirror"/> switch producers check before they enqueue mirror work.
/// </summary>
public sealed class ArchiveDatabase : IArchiveMirror, IAsyncDisposable
{
    private readonly NpgsqlDataSource? _dataSource;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ArchiveDatabase(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString)) return;
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "hearth-archive";
        _dataSource = builder.Build();
    }

    /// <summary>The archive's migrations: <c>archive.skill_versions</c> and <c>archive.chat_messages</c>, append-only.</summary>
    public static MigrationSource Migrations { get; } = new("archive", typeof(ArchiveDatabase).Assembly, "Hearth.Archive.Migrations.");

    public bool IsEnabled => _dataSource is not null;

    /// <summary>The archive's data source once its migrations are applied (waits for them).</summary>
    public async Task<NpgsqlDataSource> OpenAsync(CancellationToken ct)
    {
        if (_dataSource is null) throw new InvalidOperationException("No archive database is configured (ConnectionStrings:Archive).");
        await _ready.Task.WaitAsync(ct);
        return _dataSource;
    }

    internal NpgsqlDataSource? DataSource => _dataSource;

    internal void MarkReady() => _ready.TrySetResult();

    internal void MarkFailed(Exception error) => _ready.TrySetException(error);

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }
}
