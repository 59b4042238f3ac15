using Hearth.Durable.Migrations;
using Hearth.Search;
using Hearth.Search.Local;
using Hearth.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Search.Tests;

/// <summary>A fresh database with the search schema, and helpers to build indexes on it.</summary>
internal sealed class SearchDatabase : IAsyncDisposable
{
    private SearchDatabase(NpgsqlDataSource dataSource) => DataSource = dataSource;

    public NpgsqlDataSource DataSource { get; }

    public static async Task<SearchDatabase> CreateAsync()
    {
        var dataSource = await TestPostgres.CreateDataSourceAsync();
        await Migrator.ApplyAsync(dataSource, [PostgresSearchIndex.Migrations], NullLogger.Instance, CancellationToken.None);
        return new SearchDatabase(dataSource);
    }

    public PostgresSearchIndex NewIndex(SearchOptions? options = null) =>
        new(DataSource, options ?? new SearchOptions(), NullLogger<PostgresSearchIndex>.Instance);

    public async Task<long> CountAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
