using Hearth.Testing;
using Npgsql;

namespace Hearth.Durable.Tests;

public sealed class ClusterSmokeTests
{
    [Fact]
    public async Task A_fresh_database_answers_queries()
    {
        await using var db = await TestPostgres.CreateDataSourceAsync();
        await using var command = db.CreateCommand("select current_database(), version()");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.StartsWith("t", reader.GetString(0));
        Assert.Contains("PostgreSQL", reader.GetString(1));
    }
}
