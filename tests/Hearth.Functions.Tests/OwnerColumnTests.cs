using Hearth.Testing;
using Hearth.Testing.Host;
using Npgsql;

namespace Hearth.Functions.Tests;

/// <summary>
/// One owner id type and one column name in every feature (issue 19): after all migrations, every column of a feature
/// table that names an owner is <c>owner_id uuid not null</c>. The durable runtime's schemas are the listed exception:
/// their <c>owner</c> is an opaque text key of the runtime, empty or null for the system (docs/decisions.md).
/// </summary>
public sealed class OwnerColumnTests
{
    /// <summary>Schemas of the runtime, which knows nothing of users and keeps its own owner key.</summary>
    private static readonly string[] RuntimeSchemas = ["durable", "durabletask"];

    [Fact]
    public async Task Every_feature_tables_owner_column_is_owner_id_uuid_not_null_in_both_databases()
    {
        var archive = await TestPostgres.CreateDatabaseAsync();
        await using var host = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?> { ["ConnectionStrings:Archive"] = archive });
        _ = host.Services; // starts the host: the migrations run before it answers

        var main = await OwnerColumnsAsync(host.ConnectionString);
        var archived = await OwnerColumnsAsync(archive);

        // The check sees the tables it is about (a query that found nothing would pass vacuously).
        foreach (var table in new[] { "chat.messages", "companions.agents", "life.notifications", "memory.items", "images.jobs", "media.items", "skills.files", "search.documents" })
            Assert.Contains(main, c => c.Table == table);
        Assert.Contains(archived, c => c.Table == "archive.chat_messages");
        Assert.Contains(main, c => c.Table == "durabletask.instances" && c.Column == "owner");

        var wrong = main.Concat(archived)
            .Where(c => !RuntimeSchemas.Contains(c.Table.Split('.')[0]))
            .Where(c => c is not { Column: "owner_id", Type: "uuid", Nullable: false })
            .Select(c => $"{c.Table}.{c.Column} {c.Type}{(c.Nullable ? " null" : "")}")
            .ToList();
        Assert.True(wrong.Count == 0, "Owner columns must be owner_id uuid not null:\n" + string.Join("\n", wrong));
    }

    private static async Task<List<(string Table, string Column, string Type, bool Nullable)>> OwnerColumnsAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        // Every column whose name says owner, of base tables outside PostgreSQL's own schemas; the runtime's lease owner
        // (the worker holding a job) is not a user.
        await using var command = db.CreateCommand("""
            select c.table_schema || '.' || c.table_name, c.column_name, c.data_type, c.is_nullable = 'YES'
              from information_schema.columns c
              join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
             where c.column_name like '%owner%' and c.column_name <> 'lease_owner'
               and c.table_schema not in ('pg_catalog', 'information_schema')
             order by 1, 2
            """);
        var columns = new List<(string, string, string, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
        return columns;
    }
}
